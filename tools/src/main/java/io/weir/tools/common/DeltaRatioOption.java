package io.weir.tools.common;

import io.weir.engine.checkpoint.CheckpointSettings;

/** The {@code --delta-to-base-ratio} option of {@code weir job} and {@code weir bench}. */
public final class DeltaRatioOption
{
    /** The option's help text, without its name. */
    public static final String DESCRIPTION = "merge a shard's chain of checkpoint files into a new base once it " +
        "holds 10 files and its deltas add up to R times its base (default " +
        CheckpointSettings.DELTA_TO_BASE_RATIO_DEFAULT + "; 0: every 10 files; a large state with few changes " +
        "is merged less often, and a restore reads at most about 1 + R times the state)";

    private DeltaRatioOption()
    {
    }

    /**
     * @param value   the value of {@code --delta-to-base-ratio}.
     * @param command named in the error, e.g. {@code weir job}.
     * @return the ratio {@code value} gives: a finite number, 0 or more.
     * @throws UsageException naming the option and the bad value.
     */
    public static double parse(final String value, final String command)
    {
        final double ratio;
        try
        {
            ratio = Double.parseDouble(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException(command + ": --delta-to-base-ratio must be a number, got '" + value + "'");
        }
        if (!(ratio >= 0) || Double.isInfinite(ratio))
        {
            throw new UsageException(command + ": --delta-to-base-ratio must be a finite number >= 0, got '" +
                value + "'");
        }
        return ratio;
    }
}
