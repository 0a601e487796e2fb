using System.CommandLine;
using NlpMtl.Benchmarks.Commands;

var parse = BenchCommand.Create().Parse(args);
return await parse.InvokeAsync();
