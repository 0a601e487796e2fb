using NlpMtl.Worker.Commands;

return await NlpMtlCommandLine.Build().Parse(args).InvokeAsync();
