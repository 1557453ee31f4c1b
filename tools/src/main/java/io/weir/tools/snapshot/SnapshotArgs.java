package io.weir.tools.snapshot;

import io.weir.tools.cli.UsageException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Positional arguments and {@code --name value} / {@code --flag} options of one {@code weir snapshot} subcommand.
 * Every option must be known to the subcommand; a typo is a usage error (exit 2), not silently ignored.
 */
final class SnapshotArgs
{
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private SnapshotArgs(final String command)
    {
        this.command = command;
    }

    static SnapshotArgs parse(final String command, final String[] args, final Set<String> valued, final Set<String> flags)
    {
        final SnapshotArgs parsed = new SnapshotArgs(command);
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (!arg.startsWith("--"))
            {
                parsed.positional.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            final int eq = name.indexOf('=');
            if (eq >= 0)
            {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name))
            {
                if (value != null)
                {
                    throw new UsageException(command + ": option --" + name + " takes no value");
                }
                parsed.values.put(name, "true");
            }
            else if (valued.contains(name))
            {
                if (value == null)
                {
                    if (i + 1 >= args.length)
                    {
                        throw new UsageException(command + ": option --" + name + " needs a value");
                    }
                    value = args[++i];
                }
                parsed.values.put(name, value);
            }
            else
            {
                throw new UsageException(command + ": unknown option --" + name + " (see '" + command + " --help')");
            }
        }
        return parsed;
    }

    String command()
    {
        return command;
    }

    List<String> positional()
    {
        return positional;
    }

    /**
     * @param count expected number of positional arguments.
     * @param what  how the usage error names them, e.g. "CHECKPOINT".
     */
    void checkPositional(final int count, final String what)
    {
        if (positional.size() != count)
        {
            throw new UsageException(command + ": expected " + what + ", got " +
                (positional.isEmpty() ? "nothing" : String.join(" ", positional)) + " (see '" + command + " --help')");
        }
    }

    boolean has(final String name)
    {
        return values.containsKey(name);
    }

    String string(final String name, final String defaultValue)
    {
        return values.getOrDefault(name, defaultValue);
    }

    String choice(final String name, final String defaultValue, final List<String> choices)
    {
        final String value = string(name, defaultValue);
        if (!choices.contains(value))
        {
            throw new UsageException(command + ": --" + name + " must be one of " + String.join(", ", choices) +
                ", got '" + value + "'");
        }
        return value;
    }

    long longValue(final String name, final long defaultValue, final long min, final long max)
    {
        final String value = values.get(name);
        if (value == null)
        {
            return defaultValue;
        }
        final long parsed;
        try
        {
            parsed = Long.parseLong(value.replace("_", ""));
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException(command + ": --" + name + " must be an integer, got '" + value + "'");
        }
        if (parsed < min || parsed > max)
        {
            throw new UsageException(command + ": --" + name + " must be in " + min + ".." + max + ", got " + parsed);
        }
        return parsed;
    }
}
