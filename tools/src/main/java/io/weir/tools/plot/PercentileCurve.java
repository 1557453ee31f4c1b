package io.weir.tools.plot;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.Arrays;

/**
 * A latency distribution as points (percentile, value): the rows of HdrHistogram's
 * {@code outputPercentileDistribution}, values in nanoseconds, percentiles as fractions in [0, 1].
 *
 * @param percentiles ascending fractions; the last may be 1.0 (the maximum).
 * @param valuesNs    value at each percentile, nanoseconds.
 * @param totalCount  samples in the distribution, 0 if the source does not say.
 * @param maxNs       the largest sample, nanoseconds.
 */
public record PercentileCurve(double[] percentiles, double[] valuesNs, long totalCount, double maxNs)
{
    /** Percentile steps per halving of the distance to 100%, as HdrHistogram's own output uses by default. */
    public static final int TICKS_PER_HALF_DISTANCE = 5;

    public PercentileCurve
    {
        if (percentiles.length != valuesNs.length)
        {
            throw new IllegalArgumentException(
                "percentiles and values differ in length: " + percentiles.length + " vs " + valuesNs.length);
        }
    }

    /** The distribution of a histogram whose values are nanoseconds. */
    public static PercentileCurve of(final AbstractHistogram histogram)
    {
        if (histogram.getTotalCount() == 0)
        {
            return new PercentileCurve(new double[0], new double[0], 0, 0);
        }
        double[] percentiles = new double[64];
        double[] values = new double[64];
        int count = 0;
        for (final HistogramIterationValue value : histogram.percentiles(TICKS_PER_HALF_DISTANCE))
        {
            if (count == percentiles.length)
            {
                percentiles = Arrays.copyOf(percentiles, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            percentiles[count] = value.getPercentileLevelIteratedTo() / 100.0;
            values[count] = histogram.highestEquivalentValue(value.getValueIteratedTo());
            count++;
        }
        return new PercentileCurve(Arrays.copyOf(percentiles, count), Arrays.copyOf(values, count),
            histogram.getTotalCount(), histogram.highestEquivalentValue(histogram.getMaxValue()));
    }

    /** Number of points. */
    public int size()
    {
        return percentiles.length;
    }

    /**
     * The value at the first point at or above {@code fraction}, the maximum if none is: the exact percentile
     * where a point lies on it (0.5 and 0.9 always do), else an upper bound within one step of the distribution.
     */
    public double valueAtNs(final double fraction)
    {
        for (int i = 0; i < percentiles.length; i++)
        {
            if (percentiles[i] >= fraction)
            {
                return valuesNs[i];
            }
        }
        return maxNs;
    }
}
