using SobolevRL.Envs.Registry;

namespace SobolevRL.Cli.Commands.Env;

/// <summary><c>sobolevrl env list</c>: every environment id with its default wrappers, and the options of each family.</summary>
public sealed class EnvListCommand : Command<EnvListCommand.Settings>
{
    /// <summary>Options of <c>env list</c>.</summary>
    public sealed class Settings : MeasureSettings;

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var registry = EnvRegistry.CreateDefault();
        var ids = registry.List();
        var options = registry.Families.SelectMany(f => f.Options.Select(o => new { family = f.Prefix, name = o.Name, @default = o.Default, meaning = o.Meaning })).ToList();
        if (settings.Json)
        {
            Output.Json(new { envs = ids, options });
            return 0;
        }
        Output.Table("environments", ["id", "family", "default wrappers"], ids.Select(i => new[] { i.Id, i.Family, i.Description }));
        Output.Table("options (--env-option KEY=VALUE)", ["family", "option", "default", "meaning"], options.Select(o => new[] { o.family, o.name, o.@default, o.meaning }));
        return 0;
    }
}
