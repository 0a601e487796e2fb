namespace NlpMtl.Worker.Hosting;

/// <summary><c>Telemetry</c>: OpenTelemetry exporters; metrics and traces are recorded either way.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>Print metrics and spans on the console (for local runs).</summary>
    public bool Console { get; set; }

    /// <summary>OTLP collector, e.g. http://localhost:4317; also taken from OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public Uri? OtlpEndpoint { get; set; }
}
