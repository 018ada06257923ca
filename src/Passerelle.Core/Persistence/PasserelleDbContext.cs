using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Passerelle.Core.Connections;

namespace Passerelle.Core.Persistence;

/// <summary>
/// Passerelle's one database context. Each provider has a subclass of its own so that each has its own migration
/// set (SQLite and PostgreSQL differ in types and in what a migration may do).
/// </summary>
public abstract class PasserelleDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<Connection> Connections => Set<Connection>();
    public DbSet<ConnectionAudit> ConnectionAudit => Set<ConnectionAudit>();
    public DbSet<ApiClients.ApiClient> ApiClients => Set<ApiClients.ApiClient>();
    public DbSet<Jobs.JobOffer> JobOffers => Set<Jobs.JobOffer>();
    public DbSet<Jobs.SyncRun> SyncRuns => Set<Jobs.SyncRun>();
    public DbSet<Webhooks.OutboxEvent> OutboxEvents => Set<Webhooks.OutboxEvent>();
    public DbSet<Webhooks.WebhookSubscription> WebhookSubscriptions => Set<Webhooks.WebhookSubscription>();
    public DbSet<Webhooks.WebhookDelivery> WebhookDeliveries => Set<Webhooks.WebhookDelivery>();
    public DbSet<Applications.Application> Applications => Set<Applications.Application>();
    public DbSet<Applications.ApplicationFile> ApplicationFiles => Set<Applications.ApplicationFile>();
    public DbSet<Applications.ApplicationStep> ApplicationSteps => Set<Applications.ApplicationStep>();
    public DbSet<Users.ConsoleUser> Users => Set<Users.ConsoleUser>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<ConnectionId>().HaveConversion<ConnectionIdConverter>();
        configurationBuilder.Properties<ConnectionStatus>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<AttentionReason>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<ApiClients.ApiRole>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<Jobs.SyncKind>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<Jobs.SyncRunState>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<Webhooks.DeliveryStatus>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<Applications.ApplicationState>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<Applications.ApplicationFileKind>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<Applications.DeliveryMode>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<Users.ConsoleRole>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new ConnectionConfiguration());
        modelBuilder.ApplyConfiguration(new ConnectionAuditConfiguration());
        modelBuilder.Entity<ApiClients.ApiClient>(client =>
        {
            client.ToTable("ApiClients");
            client.HasKey(c => c.Id);
            client.Property(c => c.Name).HasMaxLength(200);
            client.HasIndex(c => c.Name).IsUnique();
            client.Property(c => c.KeyPrefix).HasMaxLength(16);
            client.HasIndex(c => c.KeyPrefix);
            client.Property(c => c.KeyHash).HasMaxLength(64);
            client.Property(c => c.CreatedBy).HasMaxLength(200);
        });
        modelBuilder.Entity<Jobs.JobOffer>(offer =>
        {
            offer.ToTable("JobOffers");
            offer.HasKey(o => o.Id);
            offer.HasIndex(o => new { o.ConnectionId, o.SrJobId }).IsUnique();
            offer.HasIndex(o => new { o.ConnectionId, o.SrUpdatedOn });
            offer.Property(o => o.SrJobId).HasMaxLength(64);
            offer.Property(o => o.Title).HasMaxLength(500);
            offer.Property(o => o.CompensationMin).HasPrecision(18, 2);
            offer.Property(o => o.CompensationMax).HasPrecision(18, 2);
            offer.HasOne<Connection>().WithMany().HasForeignKey(o => o.ConnectionId).OnDelete(DeleteBehavior.Cascade);

            // Read and written whole with the offer; JSON columns keep them in the offer's row on both providers.
            offer.OwnsMany(o => o.Postings, postings => postings.ToJson());
            offer.OwnsOne(o => o.AdSections, sections =>
            {
                sections.ToJson();
                sections.OwnsOne(s => s.CompanyDescription);
                sections.OwnsOne(s => s.JobDescription);
                sections.OwnsOne(s => s.Qualifications);
                sections.OwnsOne(s => s.AdditionalInformation);
            });
        });
        modelBuilder.Entity<Webhooks.WebhookSubscription>(subscription =>
        {
            subscription.ToTable("WebhookSubscriptions");
            subscription.HasKey(s => s.Id);
            subscription.Property(s => s.Url).HasMaxLength(2000);
            subscription.Property(s => s.Description).HasMaxLength(500);
            subscription.Property(s => s.ProtectedSecret).HasMaxLength(4000);
            subscription.Property(s => s.CreatedBy).HasMaxLength(200);
            subscription.Property(s => s.Version).IsConcurrencyToken();
        });
        modelBuilder.Entity<Webhooks.WebhookDelivery>(delivery =>
        {
            delivery.ToTable("WebhookDeliveries");
            delivery.HasKey(d => d.Id);
            delivery.Property(d => d.EventType).HasMaxLength(64);
            delivery.Property(d => d.LastError).HasMaxLength(1000);
            delivery.HasIndex(d => new { d.Status, d.NextAttemptAt });
            delivery.HasIndex(d => new { d.SubscriptionId, d.CreatedAt });
            delivery.HasIndex(d => new { d.SubscriptionId, d.EventId });
            delivery.HasOne<Webhooks.WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
            delivery.HasOne<Webhooks.OutboxEvent>().WithMany().HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Webhooks.OutboxEvent>(outbox =>
        {
            outbox.ToTable("OutboxEvents");
            outbox.HasKey(e => e.Id);
            outbox.Property(e => e.Type).HasMaxLength(64);
            outbox.HasIndex(e => new { e.DispatchedAt, e.Id });
            outbox.HasOne<Connection>().WithMany().HasForeignKey(e => e.ConnectionId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Applications.Application>(application =>
        {
            application.ToTable("Applications");
            application.HasKey(a => a.Id);

            // The pump's query: a connection's pending applications, oldest first.
            application.HasIndex(a => new { a.ConnectionId, a.State, a.AcceptedAt });
            application.HasIndex(a => new { a.ConnectionId, a.AcceptedAt });

            // One application per key and connection, whatever the timing of concurrent requests (NULLs are distinct).
            application.HasIndex(a => new { a.ConnectionId, a.IdempotencyKey }).IsUnique();
            application.Property(a => a.SrJobId).HasMaxLength(64);
            application.Property(a => a.IdempotencyKey).HasMaxLength(220);
            application.Property(a => a.RequestHash).HasMaxLength(64);
            application.Property(a => a.ExternalId).HasMaxLength(200);
            application.Property(a => a.Channel).HasMaxLength(50);
            application.Property(a => a.SrCandidateId).HasMaxLength(64);
            application.Property(a => a.ResumeAttachmentId).HasMaxLength(64);
            application.Property(a => a.CoverLetterAttachmentId).HasMaxLength(64);
            application.Property(a => a.LeaseOwner).HasMaxLength(200);
            application.Property(a => a.LastErrorCode).HasMaxLength(64);
            application.Property(a => a.LastError).HasMaxLength(1000);
            application.Property(a => a.Remedy).HasMaxLength(1000);
            application.Property(a => a.AcceptedBy).HasMaxLength(200);
            application.Ignore(a => a.IsFinished);
            application.HasMany(a => a.Files).WithOne().HasForeignKey(f => f.ApplicationId).OnDelete(DeleteBehavior.Cascade);
            application.HasOne<Connection>().WithMany().HasForeignKey(a => a.ConnectionId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Applications.ApplicationFile>(file =>
        {
            file.ToTable("ApplicationFiles");
            file.HasKey(f => f.Id);
            file.Property(f => f.StoredName).HasMaxLength(100);
            file.Property(f => f.WrappedKey).HasMaxLength(2000);
            file.Property(f => f.ProtectedFileName).HasMaxLength(2000);
            file.Property(f => f.ContentType).HasMaxLength(200);
            file.Property(f => f.Sha256).HasMaxLength(64);
        });
        modelBuilder.Entity<Applications.ApplicationStep>(step =>
        {
            step.ToTable("ApplicationSteps");
            step.HasKey(s => s.Id);
            step.HasIndex(s => new { s.ApplicationId, s.Id });
            step.Property(s => s.Step).HasMaxLength(32);
            step.Property(s => s.Outcome).HasMaxLength(32);
            step.Property(s => s.Detail).HasMaxLength(1000);
            step.Property(s => s.Actor).HasMaxLength(200);
            step.Property(s => s.Node).HasMaxLength(200);
            step.HasOne<Applications.Application>().WithMany().HasForeignKey(s => s.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<Users.ConsoleUser>(user =>
        {
            user.ToTable("Users");
            user.HasKey(u => u.Id);
            user.Property(u => u.UserName).HasMaxLength(200);
            user.HasIndex(u => u.UserName).IsUnique();
            user.Property(u => u.PasswordHash).HasMaxLength(200);
            user.Property(u => u.ExternalSubject).HasMaxLength(200);
            user.HasIndex(u => u.ExternalSubject).IsUnique();
            user.Property(u => u.CreatedBy).HasMaxLength(200);
        });
        modelBuilder.Entity<Jobs.SyncRun>(run =>
        {
            run.ToTable("SyncRuns");
            run.HasKey(r => r.Id);
            run.HasIndex(r => new { r.ConnectionId, r.StartedAt });
            run.HasIndex(r => new { r.ConnectionId, r.State });

            // At most one running sync per connection, whatever the lanes do: the database is the last word, even
            // while a failover briefly gives a connection two lanes.
            run.HasIndex(r => r.ConnectionId).IsUnique().HasFilter("\"State\" = 'Running'").HasDatabaseName("IX_SyncRuns_OneRunningPerConnection");
            run.Property(r => r.Trigger).HasMaxLength(200);
            run.Property(r => r.Node).HasMaxLength(200);
            run.Property(r => r.Error).HasMaxLength(2000);
            run.HasOne<Connection>().WithMany().HasForeignKey(r => r.ConnectionId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private sealed class ConnectionIdConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<ConnectionId, Guid>(
        id => id.Value, value => new ConnectionId(value));
}

internal sealed class ConnectionConfiguration : IEntityTypeConfiguration<Connection>
{
    public void Configure(EntityTypeBuilder<Connection> builder)
    {
        builder.ToTable("Connections");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.DisplayName).HasMaxLength(200);
        builder.HasIndex(c => c.DisplayName).IsUnique();
        builder.Property(c => c.CustomerName).HasMaxLength(200);
        builder.Property(c => c.CompanyIdentifier).HasMaxLength(100);
        builder.Property(c => c.ClientId).HasMaxLength(200);
        builder.Property(c => c.ProtectedSecret).HasMaxLength(4000);
        builder.Property(c => c.BaseUrl).HasMaxLength(500);
        builder.Property(c => c.AttentionDetail).HasMaxLength(1000);
        builder.Property(c => c.SourceTypeId).HasMaxLength(100);
        builder.Property(c => c.SourceSubTypeId).HasMaxLength(100);
        builder.Property(c => c.SourceId).HasMaxLength(100);
        builder.Property(c => c.CreatedBy).HasMaxLength(200);
        builder.Property(c => c.UpdatedBy).HasMaxLength(200);
        builder.Property(c => c.Version).IsConcurrencyToken();
        builder.HasIndex(c => c.Status);
    }
}

internal sealed class ConnectionAuditConfiguration : IEntityTypeConfiguration<ConnectionAudit>
{
    public void Configure(EntityTypeBuilder<ConnectionAudit> builder)
    {
        builder.ToTable("ConnectionAudit");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Actor).HasMaxLength(200);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.Detail).HasMaxLength(2000);
        builder.HasIndex(a => new { a.ConnectionId, a.At });
        builder.HasOne<Connection>().WithMany().HasForeignKey(a => a.ConnectionId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>The SQLite flavour (the default: a file in the data directory).</summary>
public sealed class SqlitePasserelleDbContext(DbContextOptions<SqlitePasserelleDbContext> options) : PasserelleDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no date type and cannot compare or sort DateTimeOffset text; times are stored as UTC ticks
        // (an integer that sorts like the instant), the way PostgreSQL's timestamptz sorts.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }

    private sealed class UtcTicksConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long>(
        value => value.UtcTicks, ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
}

/// <summary>The PostgreSQL flavour (scale-out).</summary>
public sealed class PostgresPasserelleDbContext(DbContextOptions<PostgresPasserelleDbContext> options) : PasserelleDbContext(options);
