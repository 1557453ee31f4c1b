package io.weir.tools.common;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The layout of every command's help: {@code Usage: weir ...}, the description, the parameters, the options and,
 * for a command with subcommands, a list naming each with its arguments ({@code job NAME --in FILE --out FILE
 * [OPTIONS]}) and its header, a line that says what it does.
 */
final class HelpLayout
{
    private static final int COMMAND_COLUMN = 44;

    private HelpLayout()
    {
    }

    /** Apply the layout to {@code commandLine} and its subcommands. */
    static void apply(final CommandLine commandLine)
    {
        final UsageMessageSpec usage = commandLine.getCommandSpec().usageMessage();
        usage.descriptionHeading("%n").parameterListHeading("%n").optionListHeading("%nOptions:%n")
            .commandListHeading("%nCommands:%n").abbreviateSynopsis(true);
        // The header is the command's line in its parent's list of commands; its own help starts with the usage.
        final List<String> sections = new ArrayList<>(commandLine.getHelpSectionKeys());
        sections.remove(UsageMessageSpec.SECTION_KEY_HEADER_HEADING);
        sections.remove(UsageMessageSpec.SECTION_KEY_HEADER);
        commandLine.setHelpSectionKeys(sections);
        if (!commandLine.getSubcommands().isEmpty())
        {
            commandLine.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, HelpLayout::commandList);
        }
        for (final CommandLine sub : commandLine.getSubcommands().values())
        {
            apply(sub);
        }
    }

    private static String commandList(final Help help)
    {
        final int width = help.commandSpec().usageMessage().width();
        final Help.TextTable table = Help.TextTable.forColumns(help.colorScheme(),
            new Help.Column(COMMAND_COLUMN, 2, Help.Column.Overflow.SPAN),
            new Help.Column(width - COMMAND_COLUMN, 1, Help.Column.Overflow.WRAP));
        help.commandSpec().subcommands().forEach((name, sub) ->
        {
            final CommandSpec spec = sub.getCommandSpec();
            if (!spec.usageMessage().hidden() && name.equals(spec.name()))
            {
                final String[] header = spec.usageMessage().header();
                table.addRowValues(brief(spec), header.length == 0 ? "" : String.format(Locale.ROOT, header[0]));
            }
        });
        return table.toString();
    }

    /**
     * A command with its arguments, in brief: its subcommands ({@code snapshot list|show}); or its usage line if
     * that fits the column ({@code stat [DIR] [--once]}); or its parameters and required options.
     */
    private static String brief(final CommandSpec spec)
    {
        final String[] synopsis = spec.usageMessage().customSynopsis();
        final String prefix = spec.parent() == null ? "" : spec.parent().qualifiedName() + " ";
        if (spec.subcommands().isEmpty() && synopsis.length > 0 && synopsis[0].startsWith(prefix) &&
            synopsis[0].length() - prefix.length() <= COMMAND_COLUMN - 4)
        {
            return synopsis[0].substring(prefix.length());
        }
        return spec.name() + arguments(spec);
    }

    private static String arguments(final CommandSpec spec)
    {
        final List<String> words = new ArrayList<>();
        final List<String> subcommands = new ArrayList<>();
        spec.subcommands().forEach((name, sub) ->
        {
            if (!sub.getCommandSpec().helpCommand() && !subcommands.contains(sub.getCommandSpec().name()))
            {
                subcommands.add(sub.getCommandSpec().name());
            }
        });
        if (!subcommands.isEmpty())
        {
            words.add(String.join("|", subcommands));
        }
        for (final PositionalParamSpec positional : spec.positionalParameters())
        {
            final String label = positional.paramLabel() + (positional.arity().max() > 1 ? "..." : "");
            words.add(positional.arity().min() == 0 ? "[" + label + "]" : label);
        }
        boolean optional = !spec.unmatchedArgsBindings().isEmpty();
        for (final OptionSpec option : spec.options())
        {
            if (option.required())
            {
                words.add(option.longestName() + (option.arity().max() > 0 ? " " + option.paramLabel() : ""));
            }
            else if (!option.usageHelp() && !option.versionHelp() && !option.hidden())
            {
                optional = true;
            }
        }
        if (optional)
        {
            words.add("[OPTIONS]");
        }
        return words.isEmpty() ? "" : " " + String.join(" ", words);
    }
}
