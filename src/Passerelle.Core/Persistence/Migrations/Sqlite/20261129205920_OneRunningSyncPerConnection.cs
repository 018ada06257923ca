using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Passerelle.Core.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OneRunningSyncPerConnection : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Runs left running by a stopped node cannot block the index (or the next sync).
            migrationBuilder.Sql("UPDATE \"SyncRuns\" SET \"State\" = 'Finished', \"Error\" = 'The sync was interrupted (its node stopped); the next sync carries on.' WHERE \"State\" = 'Running';");

            migrationBuilder.CreateIndex(
                name: "IX_SyncRuns_OneRunningPerConnection",
                table: "SyncRuns",
                column: "ConnectionId",
                unique: true,
                filter: "\"State\" = 'Running'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_SyncRuns_OneRunningPerConnection",
                table: "SyncRuns");
        }
    }
}
