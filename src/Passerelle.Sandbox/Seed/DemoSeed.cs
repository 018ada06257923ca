using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Passerelle.Sandbox.Jobs;
using Passerelle.Sandbox.State;
using Passerelle.Sandbox.Wire;

namespace Passerelle.Sandbox.Seed;

/// <summary>
/// The demo customer: a French retail-and-logistics group with 40 job offers across departments, cities, statuses
/// and posting statuses, some published in French and English. Ids are derived from the index so they are the
/// same on every start; dates are relative to now so incremental sync behaves as it would in production.
/// </summary>
internal static class DemoSeed
{
    public const string CompanyIdentifier = "MaisonAzur";

    private static readonly (string Id, string Label)[] Departments =
    [
        ("logistique", "Logistique"), ("commercial", "Commercial"), ("informatique", "Informatique"),
        ("rh", "Ressources humaines"), ("finance", "Finance"), ("marketing", "Marketing"), ("service-client", "Service client"),
    ];

    private static readonly (string City, string Region, string RegionCode, string PostalCode, double Lat, double Lng)[] Cities =
    [
        ("Paris", "Île-de-France", "IDF", "75008", 48.8738, 2.2950), ("Lyon", "Auvergne-Rhône-Alpes", "ARA", "69002", 45.7578, 4.8320),
        ("Marseille", "Provence-Alpes-Côte d'Azur", "PAC", "13002", 43.3026, 5.3691), ("Lille", "Hauts-de-France", "HDF", "59000", 50.6292, 3.0573),
        ("Bordeaux", "Nouvelle-Aquitaine", "NAQ", "33000", 44.8378, -0.5792), ("Nantes", "Pays de la Loire", "PDL", "44000", 47.2184, -1.5536),
        ("Toulouse", "Occitanie", "OCC", "31000", 43.6047, 1.4442),
    ];

    // (French title, English title or null, department index)
    private static readonly (string Fr, string? En, int Department)[] Titles =
    [
        ("Préparateur de commandes (H/F)", "Order Picker", 0), ("Cariste CACES 3 (H/F)", "Forklift Operator", 0),
        ("Chef d'équipe logistique (H/F)", "Logistics Team Leader", 0), ("Responsable d'entrepôt (H/F)", "Warehouse Manager", 0),
        ("Agent de quai (H/F)", null, 0), ("Gestionnaire des stocks (H/F)", "Inventory Controller", 0),
        ("Commercial terrain B2B (H/F)", "Field Sales Representative", 1), ("Attaché commercial (H/F)", null, 1),
        ("Responsable grands comptes (H/F)", "Key Account Manager", 1), ("Conseiller de vente (H/F)", "Sales Advisor", 1),
        ("Directeur de magasin (H/F)", "Store Manager", 1), ("Assistant commercial (H/F)", null, 1),
        ("Développeur .NET (H/F)", "Software Engineer, .NET", 2), ("Administrateur systèmes Linux (H/F)", "Linux Systems Administrator", 2),
        ("Data analyst (H/F)", "Data Analyst", 2), ("Chef de projet SI (H/F)", "IT Project Manager", 2),
        ("Technicien support (H/F)", null, 2), ("Ingénieur DevOps (H/F)", "DevOps Engineer", 2),
        ("Chargé de recrutement (H/F)", "Recruiter", 3), ("Gestionnaire de paie (H/F)", "Payroll Specialist", 3),
        ("Responsable formation (H/F)", null, 3), ("Assistant RH (H/F)", "HR Assistant", 3),
        ("Contrôleur de gestion (H/F)", "Financial Controller", 4), ("Comptable fournisseurs (H/F)", "Accounts Payable Accountant", 4),
        ("Auditeur interne (H/F)", null, 4), ("Trésorier (H/F)", "Treasury Manager", 4),
        ("Chef de produit (H/F)", "Product Manager", 5), ("Community manager (H/F)", "Community Manager", 5),
        ("Chargé de communication (H/F)", null, 5), ("Responsable e-commerce (H/F)", "E-commerce Manager", 5),
        ("Traffic manager (H/F)", "Traffic Manager", 5), ("Conseiller client (H/F)", "Customer Service Advisor", 6),
        ("Téléconseiller bilingue anglais (H/F)", "Bilingual Call Centre Agent", 6), ("Superviseur centre de contact (H/F)", null, 6),
        ("Chargé de réclamations (H/F)", "Claims Handler", 6), ("Responsable expérience client (H/F)", "Customer Experience Manager", 6),
        ("Alternant logistique (H/F)", null, 0), ("Stagiaire contrôle de gestion (H/F)", "Finance Intern", 4),
        ("Acheteur (H/F)", "Buyer", 1), ("Juriste droit social (H/F)", null, 3),
    ];

    private static readonly string[] Statuses =
        ["SOURCING", "SOURCING", "SOURCING", "INTERVIEW", "SOURCING", "OFFER", "SOURCING", "CREATED", "SOURCING", "FILLED",
         "SOURCING", "ON_HOLD", "SOURCING", "INTERVIEW", "CANCELLED", "SOURCING", "SOURCING", "SOURCING", "INTERVIEW", "SOURCING"];

    private static readonly string[] PostingStatusCycle =
        ["PUBLIC", "PUBLIC", "PUBLIC", "PUBLIC", "INTERNAL", "PUBLIC", "PUBLIC", "NOT_PUBLISHED", "PUBLIC", "PUBLIC", "PRIVATE", "PUBLIC"];

    private static readonly (string Id, string Label)[] Employment =
        [("permanent", "CDI"), ("fixed-term", "CDD"), ("apprenticeship", "Alternance"), ("internship", "Stage")];

    public static SeedFile Build(DateTimeOffset now)
    {
        var jobs = new List<JsonObject>();
        for (var i = 0; i < Titles.Length; i++)
        {
            jobs.Add(Job(i, now));
        }

        return new SeedFile
        {
            Companies = [new SeedCompany { Identifier = CompanyIdentifier, Name = "Maison Azur", ApiAccess = true, Jobs = jobs }],
            Credentials =
            [
                new CredentialInput
                {
                    Company = CompanyIdentifier,
                    Name = "OAuth Hippolyte-rh",
                    Scopes = [SrScopes.JobsRead, SrScopes.CandidatesCreate],
                    SystemRole = "Employee",
                },
            ],
        };
    }

    private static JsonObject Job(int i, DateTimeOffset now)
    {
        var (fr, en, departmentIndex) = Titles[i];
        var (departmentId, departmentLabel) = Departments[departmentIndex];
        var city = Cities[i % Cities.Length];
        var englishFirst = i % 13 == 12;
        var employment = fr.StartsWith("Alternant", StringComparison.Ordinal) ? Employment[2]
            : fr.StartsWith("Stagiaire", StringComparison.Ordinal) ? Employment[3]
            : Employment[i % 5 == 4 ? 1 : 0];
        var created = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-(70 - i)).AddHours(7 + (i % 8)).AddMinutes(7 * i);
        var updated = created.AddDays(i % 6).AddMinutes(17 * i);
        var details = new JobDetails
        {
            Id = StableId($"{CompanyIdentifier}/job/{i}"),
            Title = englishFirst && en is not null ? en : fr,
            RefNumber = $"MAZ-{2026}-{i + 1:D3}",
            CreatedOn = created,
            UpdatedOn = updated,
            LastActivityOn = updated,
            Department = new Department { Id = departmentId, Label = departmentLabel, Description = $"Pôle {departmentLabel}" },
            Location = new JobLocation
            {
                Country = "France", CountryCode = "fr", Region = city.Region, RegionCode = city.RegionCode, City = city.City,
                PostalCode = city.PostalCode, Address = $"{10 + i} rue de la République", Latitude = city.Lat, Longitude = city.Lng,
                Manual = false, Remote = departmentIndex == 2 && i % 2 == 0,
            },
            Status = Statuses[i % Statuses.Length],
            PostingStatus = PostingStatusCycle[i % PostingStatusCycle.Length],
            TargetHiringDate = now.AddDays(30 + i).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Industry = new IdLabel { Id = "retail", Label = "Commerce de détail" },
            Function = new IdLabel { Id = departmentId, Label = departmentLabel },
            TypeOfEmployment = new IdLabel { Id = employment.Id, Label = employment.Label },
            ExperienceLevel = new IdLabel { Id = i % 3 == 0 ? "entry_level" : "mid_senior_level", Label = i % 3 == 0 ? "Débutant" : "Confirmé" },
            EeoCategory = new IdLabel { Id = "professionals", Label = "Professionals" },
            Template = false,
            Creator = new Creator { Id = StableId($"{CompanyIdentifier}/user/{i % 4}"), FirstName = "Camille", LastName = "Recruteur" },
            Compensation = new Compensation { Min = 24000 + (1000 * i), Max = 30000 + (1500 * i), Currency = "EUR" },
            JobAd = Ad(englishFirst && en is not null ? en : fr, departmentLabel, city.City, englishFirst ? "en" : "fr"),
            Properties = [new JobProperty { Id = "contract-hours", Label = "Temps de travail", Value = new IdLabel { Id = "35h", Label = "35 heures" } }],
            Language = Languages.Info(englishFirst ? "en" : "fr"),
        };

        var node = JsonSerializer.SerializeToNode(details, SandboxJsonContext.Wire.JobDetails)!.AsObject();
        var otherLanguage = englishFirst ? "fr" : "en";
        var otherTitle = englishFirst ? fr : en;
        if (otherTitle is not null && i % 3 != 1)
        {
            var translations = new Dictionary<string, JobTranslation>
            {
                [otherLanguage] = new() { Title = otherTitle, JobAd = Ad(otherTitle, departmentLabel, city.City, otherLanguage), Language = Languages.Info(otherLanguage) },
            };
            node["translations"] = JsonSerializer.SerializeToNode(translations, SandboxJsonContext.Wire.DictionaryStringJobTranslation);
        }

        return node;
    }

    private static JobAd Ad(string title, string department, string city, string language) => language == "fr"
        ? new JobAd
        {
            Language = Languages.Info("fr"),
            Sections = new AdSections
            {
                CompanyDescription = new AdSection { Title = "Qui sommes-nous ?", Text = "<p>Maison Azur est un groupe français de distribution et de logistique : 120 magasins, 6 entrepôts et 4 000 collaborateurs.</p>" },
                JobDescription = new AdSection { Title = "Votre mission", Text = $"<p>Au sein du pôle {department} à {city}, vous rejoignez une équipe engagée en tant que <strong>{title}</strong>.</p><ul><li>Vous contribuez aux objectifs de l'équipe</li><li>Vous participez à l'amélioration continue</li></ul>" },
                Qualifications = new AdSection { Title = "Votre profil", Text = "<p>Vous êtes rigoureux(se), curieux(se) et aimez le travail en équipe. Une première expérience est un plus.</p>" },
                AdditionalInformation = new AdSection { Title = "Informations complémentaires", Text = "<p>Tickets restaurant, mutuelle, 13e mois. Poste ouvert aux personnes en situation de handicap.</p>" },
            },
        }
        : new JobAd
        {
            Language = Languages.Info("en"),
            Sections = new AdSections
            {
                CompanyDescription = new AdSection { Title = "About us", Text = "<p>Maison Azur is a French retail and logistics group: 120 stores, 6 warehouses and 4,000 people.</p>" },
                JobDescription = new AdSection { Title = "The role", Text = $"<p>Join our {department} team in {city} as <strong>{title}</strong>.</p><ul><li>Contribute to the team's goals</li><li>Take part in continuous improvement</li></ul>" },
                Qualifications = new AdSection { Title = "About you", Text = "<p>Rigorous, curious and a team player. Previous experience is a plus.</p>" },
                AdditionalInformation = new AdSection { Title = "Additional information", Text = "<p>Meal vouchers, health insurance, 13th-month bonus. Open to people with disabilities.</p>" },
            },
        };

    private static string StableId(string seed) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, 16)).ToString();
}
