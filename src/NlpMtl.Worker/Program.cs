using NlpMtl.Worker.Commands;

var parse = NlpMtlCommandLine.Build().Parse(args);
return await parse.InvokeAsync(NlpMtlCommandLine.InvocationFor(parse));
