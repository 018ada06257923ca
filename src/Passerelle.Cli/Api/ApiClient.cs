using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Passerelle.Cli.Api;

/// <summary>A parsed answer: its JSON (null for 204) and its Location header.</summary>
internal sealed record ApiResponse(HttpStatusCode Status, JsonNode? Body, Uri? Location);

/// <summary>
/// The REST API as the CLI calls it: the key on every request, and every failure turned into a <see cref="CliException"/>
/// with the exit code of its kind and the problem's own sentences (detail, remedy, invalid fields).
/// </summary>
internal sealed class ApiClient(HttpClient http, ServerTarget target)
{
    public Uri Server => target.Server;

    public Uri Absolute(string path) => new(target.Server, path.TrimStart('/'));

    public async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, path, null, cancellationToken)).Body ?? new JsonObject();

    public async Task<ApiResponse> PostAsync(string path, JsonNode? body, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Post, path, body is null ? null : Json(body), cancellationToken);

    public async Task<ApiResponse> PutAsync(string path, JsonNode body, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Put, path, Json(body), cancellationToken);

    public async Task<ApiResponse> DeleteAsync(string path, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, Absolute(path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.ApiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"Cannot reach the Passerelle server at {target.Server} (from {target.ServerSource}): {e.Message}",
                "Check that the server runs and that --server, PASSERELLE_SERVER or the profile points to it.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"The Passerelle server at {target.Server} did not answer in time.", "Try again; if it persists, check the server's health (/health/ready).");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonNode? body = null;
            if (text.Length > 0)
            {
                try
                {
                    body = JsonNode.Parse(text);
                }
                catch (JsonException) when (!response.IsSuccessStatusCode)
                {
                    // A proxy's HTML error page: the status says enough.
                }
                catch (JsonException)
                {
                    throw new CliException(ExitCodes.Unreachable, $"The server at {target.Server} answered {(int)response.StatusCode} with something other than JSON: is it a Passerelle server?");
                }
            }

            return response.IsSuccessStatusCode
                ? new ApiResponse(response.StatusCode, body, response.Headers.Location)
                : throw Problem(response.StatusCode, body as JsonObject);
        }
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>An RFC 9457 problem as lines a person reads: the detail, each invalid field, and the remedy.</summary>
    private CliException Problem(HttpStatusCode status, JsonObject? problem)
    {
        var code = (int)status;
        var exit = code switch
        {
            401 or 403 => ExitCodes.Auth,
            404 => ExitCodes.NotFound,
            400 or 409 or 413 or 415 or 422 => ExitCodes.Conflict,
            >= 500 => ExitCodes.Unreachable,
            _ => ExitCodes.Failed,
        };
        var detail = Str(problem, "detail") ?? Str(problem, "title") ?? $"The server answered {code} {status}.";
        var errorCode = Str(problem, "code");
        var lines = new List<string>();
        if (problem?["errors"] is JsonObject errors)
        {
            foreach (var (field, messages) in errors)
            {
                var text = messages is JsonArray list ? string.Join(" ", list.Select(m => m?.ToString())) : messages?.ToString();
                lines.Add($"{field}: {text}");
            }
        }

        var remedy = Str(problem, "remedy") ?? exit switch
        {
            ExitCodes.Auth when code == 401 => $"Check the API key (from {target.KeySource}); 'passerelle keys list' shows the keys an admin created.",
            ExitCodes.Auth => "This API key's role or connections do not allow it: use an admin key, or one allowed on this connection.",
            _ => null,
        };
        return new CliException(exit, errorCode is null ? $"{detail} ({code})" : $"{detail} ({code} {errorCode})", remedy, lines) { HttpStatus = code };
    }

    private static string? Str(JsonObject? node, string name) => node?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
