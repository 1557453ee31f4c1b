package io.weir.tools.common;

import io.weir.api.ThreadingMode;

/** The {@code --threading} option of {@code weir job}, {@code weir bench} and {@code weir nexmark run|bench}. */
public final class ThreadingOption
{
    /** The option's values, for usage texts. */
    public static final String VALUES = "dedicated | shared | invoker";

    private ThreadingOption()
    {
    }

    /**
     * @param command named in the error, e.g. {@code weir bench}.
     * @return the value of {@code --threading}, DEDICATED when absent.
     * @throws UsageException naming the option and the bad value.
     */
    public static ThreadingMode parse(final Options options, final String command)
    {
        return parse(options.string("threading", "dedicated"), command);
    }

    /** @throws UsageException naming the option and the bad value. */
    public static ThreadingMode parse(final String value, final String command)
    {
        try
        {
            return ThreadingMode.parse(value, "--threading");
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(command + ": " + ex.getMessage());
        }
    }
}
