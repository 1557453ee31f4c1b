package io.weir.tools.common;

import io.weir.engine.checkpoint.CheckpointSettings;

/** The {@code --state-writer} option of {@code weir job} and {@code weir bench}. */
public final class StateWriterOption
{
    private StateWriterOption()
    {
    }

    /**
     * @param command named in the error, e.g. {@code weir job}.
     * @return the value of {@code --state-writer}, which must be present.
     * @throws UsageException naming the option and the bad value.
     */
    public static CheckpointSettings.StateWriter parse(final Options options, final String command)
    {
        return parse(options.string("state-writer", ""), command);
    }

    /**
     * @param value   the value of {@code --state-writer}.
     * @param command named in the error, e.g. {@code weir job}.
     * @return the state writer {@code value} names.
     * @throws UsageException naming the option and the bad value.
     */
    public static CheckpointSettings.StateWriter parse(final String value, final String command)
    {
        try
        {
            return CheckpointSettings.StateWriter.parse(value, "--state-writer");
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(command + ": " + ex.getMessage());
        }
    }
}
