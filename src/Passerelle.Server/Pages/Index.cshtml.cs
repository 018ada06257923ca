using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Passerelle.Server.Pages;

/// <summary>The console's home is the connections table.</summary>
public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() => Redirect("/connections");
}
