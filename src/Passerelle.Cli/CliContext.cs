using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Passerelle.Cli.Api;
using Passerelle.Cli.Output;

namespace Passerelle.Cli;

/// <summary>One command's run: its parse result, output, and (built on first use) the API client.</summary>
internal sealed class CliContext(CliEnvironment env, GlobalOptions globals, ParseResult parse) : IAsyncDisposable
{
    private const string HttpClientName = "passerelle";

    private ServiceProvider? _services;
    private ApiClient? _api;

    public CliEnvironment Env { get; } = env;

    public ParseResult Parse { get; } = parse;

    public CliOutput Out { get; } = new(env, parse.GetValue(globals.Json));

    public T? Get<T>(Option<T> option) => Parse.GetValue(option);

    public T? Get<T>(Argument<T> argument) => Parse.GetValue(argument);

    /// <summary>The API client for the configured server and key (exit 4 when none is configured).</summary>
    public ApiClient Api
    {
        get
        {
            if (_api is not null)
            {
                return _api;
            }

            var target = ServerTarget.Resolve(Parse.GetValue(globals.Server), Parse.GetValue(globals.ApiKey), Parse.GetValue(globals.Profile), Env);
            var services = new ServiceCollection();
            services.AddHttpClient(HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(100))
                .ConfigurePrimaryHttpMessageHandler(Env.HttpHandler ?? (() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) }));
            _services = services.BuildServiceProvider();
            _api = new ApiClient(_services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), target);
            return _api;
        }
    }

    /// <summary>Asks before something that cannot be undone, unless <c>--yes</c>; refuses when nobody can answer.</summary>
    public void Confirm(bool yes, string question)
    {
        if (yes)
        {
            return;
        }

        if (!Env.InputIsTerminal)
        {
            throw new CliException(ExitCodes.Usage, $"{question} Nobody can answer here (stdin is not a terminal).", "Add --yes to confirm.");
        }

        Env.Error.Write($"{question} [y/N] ");
        var answer = Env.In.ReadLine()?.Trim();
        if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException(ExitCodes.Failed, "Nothing was done.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }
}
