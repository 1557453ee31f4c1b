package io.weir.api.dataflow;

import io.weir.api.connector.SourceReader;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.TimestampAssigner;

import java.util.List;

/**
 * A source's input: readers (one thread each) or a number of application producers, and its event time.
 *
 * @param readers   empty for application producers.
 * @param producers application producers, when there are no readers.
 */
public record SourceSpec<T>(
    List<SourceReader<T>> readers,
    int producers,
    TimestampAssigner<T> timestampAssigner,
    WatermarkStrategy watermarkStrategy)
{
}
