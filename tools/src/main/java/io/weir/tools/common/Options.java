package io.weir.tools.common;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value}, {@code --name=value} and {@code --flag} options, mixed with a command's positional
 * arguments. Every option must be known to the command; a typo is an error, not silently ignored. {@code --} ends
 * the options: what follows is positional, even if it starts with a dash. When the command knows {@code help},
 * {@code -h} means {@code --help}, and a help request wins over any other error on the line.
 */
public final class Options
{
    private static final String HELP = "help";

    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new java.util.ArrayList<>();

    private Options(final String command)
    {
        this.command = command;
    }

    public static Options parse(
        final String command, final String[] args, final int from, final Set<String> valued, final Set<String> flags)
    {
        final Options options = new Options(command);
        if (flags.contains(HELP) && wantsHelp(args, from))
        {
            options.values.put(HELP, "true");
            return options;
        }
        boolean optionsEnded = false;
        for (int i = from; i < args.length; i++)
        {
            final String arg = args[i];
            if (!optionsEnded && arg.equals("--"))
            {
                optionsEnded = true;
            }
            else if (!optionsEnded && arg.startsWith("--"))
            {
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
                    options.values.put(name, "true");
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
                    options.values.put(name, value);
                }
                else
                {
                    throw new UsageException(command + ": unknown option --" + name + " (see '" + command +
                        " --help')");
                }
            }
            else
            {
                options.positional.add(arg);
            }
        }
        return options;
    }

    /** True if {@code --help} or {@code -h} comes before any {@code --} in {@code args[from..]}. */
    private static boolean wantsHelp(final String[] args, final int from)
    {
        for (int i = from; i < args.length; i++)
        {
            if (args[i].equals("--"))
            {
                return false;
            }
            if (args[i].equals("--help") || args[i].equals("-h"))
            {
                return true;
            }
        }
        return false;
    }

    public List<String> positional()
    {
        return positional;
    }

    public boolean flag(final String name)
    {
        return values.containsKey(name);
    }

    public String string(final String name, final String defaultValue)
    {
        return values.getOrDefault(name, defaultValue);
    }

    public String required(final String name)
    {
        final String value = values.get(name);
        if (value == null)
        {
            throw new UsageException(command + ": missing required option --" + name);
        }
        return value;
    }

    public Path path(final String name)
    {
        return Path.of(required(name));
    }

    public long longValue(final String name, final long defaultValue, final long min, final long max)
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

    public int intValue(final String name, final int defaultValue, final int min, final int max)
    {
        return (int)longValue(name, defaultValue, min, max);
    }

    /** The command these options belong to, as usage errors name it. */
    public String command()
    {
        return command;
    }

    /** True if the option was given. */
    public boolean has(final String name)
    {
        return values.containsKey(name);
    }

    /**
     * @param count expected number of positional arguments.
     * @param what  how the usage error names them, e.g. "CHECKPOINT".
     */
    public void checkPositional(final int count, final String what)
    {
        if (positional.size() != count)
        {
            throw new UsageException(command + ": expected " + what + ", got " +
                (positional.isEmpty() ? "nothing" : String.join(" ", positional)) + " (see '" + command + " --help')");
        }
    }

    /** A value that must be one of {@code choices}. */
    public String choice(final String name, final String defaultValue, final List<String> choices)
    {
        final String value = string(name, defaultValue);
        if (!choices.contains(value))
        {
            throw new UsageException(command + ": --" + name + " must be one of " + String.join(", ", choices) +
                ", got '" + value + "'");
        }
        return value;
    }
}
