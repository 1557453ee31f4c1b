package io.weir.tools.demo;

import java.io.PrintStream;

/**
 * The one-line progress display: rewritten in place with {@code '\r'} on a terminal, printed as plain lines
 * otherwise (logs, pipes, tests). Used by one thread.
 */
final class ProgressLine
{
    private final PrintStream out;
    private final boolean terminal;
    private int lastLength;

    ProgressLine(final PrintStream out, final boolean terminal)
    {
        this.out = out;
        this.terminal = terminal;
    }

    /** True when {@code out} is the process's stdout and that is an interactive terminal. */
    static boolean isTerminal(final PrintStream out)
    {
        return out == System.out && System.console() != null;
    }

    void show(final String line)
    {
        if (terminal)
        {
            final int padding = Math.max(0, lastLength - line.length());
            out.print("\r" + line + " ".repeat(padding));
            lastLength = line.length();
        }
        else
        {
            out.println(line);
        }
        out.flush();
    }

    /** End the rewritten line so that what follows starts on a fresh one. */
    void finish()
    {
        if (terminal && lastLength > 0)
        {
            out.println();
            lastLength = 0;
        }
    }
}
