package io.weir.tools.common;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.List;

/**
 * What every {@code weir} command does alike, applied to the whole picocli command tree: {@code -h}/{@code --help}
 * on every command (a help request wins over any other error on the line), {@code --} ends the options, integers
 * may be written with underscores ({@code 1_000_000}), an option given twice takes the last value, no
 * {@code @file} expansion, plain text help on standard output, usage errors as one line on standard error naming
 * the option and the value (exit 2), failures as one line on standard error (exit 1).
 */
public final class Conventions
{
    private static final int USAGE_WIDTH = 110;

    private Conventions()
    {
    }

    /**
     * Apply the conventions to {@code commandLine} and every subcommand added to it so far.
     *
     * @return {@code commandLine}.
     */
    public static CommandLine apply(final CommandLine commandLine, final PrintStream out, final PrintStream err)
    {
        addHelpOptions(commandLine);
        commandLine
            .setOut(writer(out))
            .setErr(writer(err))
            .setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF))
            .setExpandAtFiles(false)
            .setOverwrittenOptionsAllowed(true)
            .setUsageHelpWidth(USAGE_WIDTH)
            .setParameterExceptionHandler((ex, args) -> onUsageError(ex, args, out, err))
            .setExecutionExceptionHandler((ex, executed, parseResult) -> onFailure(ex, executed, err))
            .registerConverter(long.class, Conventions::parseLong)
            .registerConverter(Long.class, Conventions::parseLong)
            .registerConverter(int.class, Conventions::parseInt)
            .registerConverter(Integer.class, Conventions::parseInt);
        HelpLayout.apply(commandLine);
        return commandLine;
    }

    /**
     * @return {@code value}, if within {@code min..max}.
     * @throws UsageException naming the command, the option and the value otherwise.
     */
    public static long range(final CommandSpec spec, final String option, final long value, final long min,
        final long max)
    {
        if (value < min || value > max)
        {
            throw new UsageException(spec.qualifiedName() + ": " + option + " must be in " + min + ".." + max +
                ", got " + value);
        }
        return value;
    }

    /** As {@link #range(CommandSpec, String, long, long, long)}, for an {@code int} option. */
    public static int range(final CommandSpec spec, final String option, final int value, final int min,
        final int max)
    {
        return (int)range(spec, option, (long)value, min, max);
    }

    /**
     * @return {@code value}, if one of {@code choices}.
     * @throws UsageException naming the command, the option, the choices and the value otherwise.
     */
    public static String choice(final CommandSpec spec, final String option, final String value,
        final List<String> choices)
    {
        if (!choices.contains(value))
        {
            throw new UsageException(spec.qualifiedName() + ": " + option + " must be one of " +
                String.join(", ", choices) + ", got '" + value + "'");
        }
        return value;
    }

    private static Long parseLong(final String value)
    {
        try
        {
            return Long.parseLong(value.replace("_", ""));
        }
        catch (final NumberFormatException ex)
        {
            throw new CommandLine.TypeConversionException("must be an integer, got '" + value + "'");
        }
    }

    private static Integer parseInt(final String value)
    {
        final long parsed = parseLong(value);
        if (parsed < Integer.MIN_VALUE || parsed > Integer.MAX_VALUE)
        {
            throw new CommandLine.TypeConversionException("must be in " + Integer.MIN_VALUE + ".." +
                Integer.MAX_VALUE + ", got " + parsed);
        }
        return (int)parsed;
    }

    /** {@code -h, --help} on every command but those that take their arguments raw (and parse help themselves). */
    private static void addHelpOptions(final CommandLine commandLine)
    {
        final CommandSpec spec = commandLine.getCommandSpec();
        if (spec.unmatchedArgsBindings().isEmpty() && !spec.helpCommand() && spec.findOption("--help") == null)
        {
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("this text").build());
        }
        for (final CommandLine sub : commandLine.getSubcommands().values())
        {
            addHelpOptions(sub);
        }
    }

    private static int onUsageError(
        final ParameterException ex, final String[] args, final PrintStream out, final PrintStream err)
    {
        final CommandLine failed = ex.getCommandLine();
        if (failed.getCommandSpec().findOption("--help") != null && helpRequested(args))
        {
            failed.usage(out);
            return CommandLine.ExitCode.OK;
        }
        err.println(oneLine(ex));
        return CommandLine.ExitCode.USAGE;
    }

    private static int onFailure(final Exception ex, final CommandLine executed, final PrintStream err)
    {
        if (ex instanceof UsageException)
        {
            final String message = ex.getMessage();
            err.println(message.startsWith("weir") ? message : "weir: " + message);
            return CommandLine.ExitCode.USAGE;
        }
        err.println(executed.getCommandSpec().qualifiedName() + ": failed: " + ex);
        for (Throwable cause = ex.getCause(); cause != null; cause = cause.getCause())
        {
            err.println("  caused by: " + cause);
        }
        final String remedy = remedy(ex);
        if (null != remedy)
        {
            err.println("  " + remedy);
        }
        if (System.getenv("WEIR_VERBOSE") != null)
        {
            ex.printStackTrace(err);
        }
        else
        {
            err.println("  (WEIR_VERBOSE=1 prints the stack trace)");
        }
        return CommandLine.ExitCode.SOFTWARE;
    }

    /**
     * What the user can do about a failure the JVM's settings caused, or null. Off-heap state keeps its delta logs
     * and file buffers in direct memory, whose limit defaults to the heap's ({@code -Xmx}): a small heap then fails
     * a large state with an {@link OutOfMemoryError} that names the limit but not the setting.
     */
    static String remedy(final Throwable failure)
    {
        int depth = 0;
        for (Throwable cause = failure; cause != null && depth < 32; cause = cause.getCause(), depth++)
        {
            if (cause instanceof OutOfMemoryError && null != cause.getMessage() &&
                cause.getMessage().contains("direct buffer memory"))
            {
                return "the JVM's direct (off-heap) memory limit is too small for this state's delta logs and file " +
                    "buffers: raise -XX:MaxDirectMemorySize (it defaults to -Xmx), e.g. " +
                    "WEIR_JAVA_OPTS=\"-XX:MaxDirectMemorySize=2g\" ./weir ...";
            }
        }
        return null;
    }

    /** True if {@code --help} or {@code -h} comes before any {@code --}. */
    private static boolean helpRequested(final String[] args)
    {
        for (final String arg : args)
        {
            if (arg.equals("--"))
            {
                return false;
            }
            if (arg.equals("--help") || arg.equals("-h"))
            {
                return true;
            }
        }
        return false;
    }

    /** A picocli parse error as one line: {@code weir job: --shards must be an integer, got 'zero'}. */
    private static String oneLine(final ParameterException ex)
    {
        final CommandLine failed = ex.getCommandLine();
        final String command = failed.getCommandSpec().qualifiedName();
        final String see = " (see '" + command + " --help')";
        if (ex instanceof CommandLine.UnmatchedArgumentException)
        {
            final List<String> unmatched = ((CommandLine.UnmatchedArgumentException)ex).getUnmatched();
            final String first = unmatched.isEmpty() ? "" : unmatched.get(0);
            if (first.startsWith("-"))
            {
                return command + ": unknown option " + first + see;
            }
            if (!failed.getSubcommands().isEmpty())
            {
                return command + ": unknown " + (failed.getParent() == null ? "command" : "subcommand") + " '" +
                    first + "'" + see;
            }
            return command + ": unexpected argument '" + first + "'" + see;
        }
        if (ex instanceof CommandLine.MissingParameterException)
        {
            final ArgSpec missing = ((CommandLine.MissingParameterException)ex).getMissing().get(0);
            if (missing instanceof OptionSpec)
            {
                final String name = ((OptionSpec)missing).longestName();
                return ex.getMessage().startsWith("Missing required option") ?
                    command + ": missing required option " + name :
                    command + ": option " + name + " needs a value";
            }
            return command + ": expected " + ((PositionalParamSpec)missing).paramLabel() + see;
        }
        if (ex.getCause() instanceof CommandLine.TypeConversionException && ex.getArgSpec() != null)
        {
            // The number converters say what is wrong with the value ("must be ..."); others say it all.
            final String message = ex.getCause().getMessage();
            return command + ": " + (message.startsWith("must ") ? name(ex.getArgSpec()) + " " : "") + message;
        }
        return command + ": " + ex.getMessage().replace(System.lineSeparator(), "; ") + see;
    }

    /**
     * Keeps a writer over {@code stream} so picocli's help and messages reach the same stream, in the charset
     * Java 17 gives {@code System.out} when it is not a console.
     */
    private static PrintWriter writer(final PrintStream stream)
    {
        return new PrintWriter(new OutputStreamWriter(stream, Charset.defaultCharset()), true);
    }

    private static String name(final ArgSpec arg)
    {
        return arg instanceof OptionSpec ? ((OptionSpec)arg).longestName() : ((PositionalParamSpec)arg).paramLabel();
    }
}
