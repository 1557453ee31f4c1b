package io.weir.api.dataflow;

import io.weir.api.codec.Codec;
import io.weir.api.connector.SourceReader;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.TimestampAssigner;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A source being declared: its readers or producers, then its event time, which makes it a {@link DataStream}. */
public final class SourceBuilder<T>
{
    private final Dataflow dataflow;
    private final String name;
    private final Codec<T> codec;
    private final List<SourceReader<T>> readers = new ArrayList<>();
    private int producers = 1;

    SourceBuilder(final Dataflow dataflow, final String name, final Codec<T> codec)
    {
        this.dataflow = dataflow;
        this.name = Objects.requireNonNull(name, "name");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /** Another reader of this source, on its own thread. */
    public SourceBuilder<T> reader(final SourceReader<T> reader)
    {
        readers.add(Objects.requireNonNull(reader, "reader"));
        return this;
    }

    /** How many application producers feed this source (a source without readers); default 1. */
    public SourceBuilder<T> producers(final int producers)
    {
        if (producers < 1)
        {
            throw new IllegalArgumentException("source '" + name + "': producers must be >= 1: " + producers);
        }
        this.producers = producers;
        return this;
    }

    /** The event time of each element and how watermarks follow it. */
    public DataStream<T> timestamps(final TimestampAssigner<T> assigner, final WatermarkStrategy strategy)
    {
        Objects.requireNonNull(assigner, "assigner");
        Objects.requireNonNull(strategy, "strategy");
        final Transformation node = dataflow.add(Transformation.Kind.SOURCE, List.of(), null, null, null, name);
        node.codec(codec);
        node.source(new SourceSpec<>(List.copyOf(readers), readers.isEmpty() ? producers : 0, assigner, strategy));
        return new DataStream<>(dataflow, node);
    }
}
