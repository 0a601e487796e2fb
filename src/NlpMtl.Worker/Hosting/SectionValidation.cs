using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace NlpMtl.Worker.Hosting;

/// <summary>
/// Data-annotation validation whose failures name the configuration key (<c>Queue:MinPollMs: …</c>), so a bad
/// setting is one line an operator can act on; the built-in validator names only the C# member.
/// </summary>
public sealed class SectionValidation<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            return ValidateOptionsResult.Success;
        return ValidateOptionsResult.Fail(
            results.Select(r =>
            {
                var message = r.ErrorMessage ?? "invalid";
                return message.Contains(section + ":", StringComparison.Ordinal) || !r.MemberNames.Any()
                    ? message
                    : $"{string.Join(", ", r.MemberNames.Select(m => $"{section}:{m}"))}: {message}";
            })
        );
    }
}

public static class SectionValidationExtensions
{
    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, validated (naming keys) when the
    /// host starts.</summary>
    public static OptionsBuilder<TOptions> AddSectionOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SectionValidation<TOptions>(section));
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }
}
