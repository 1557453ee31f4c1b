package io.weir.api.dataflow;

import io.weir.api.codec.Codec;
import io.weir.api.connector.SourceReader;
import io.weir.api.functions.OutputTag;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A job as a graph of operators (Flink's {@code StreamExecutionEnvironment}): sources, then {@link DataStream}
 * operations; {@link #build} hands it to the runtime.
 * <pre>{@code
 * Dataflow flow = Dataflow.named("fraud");
 * DataStream<Txn> txns = flow.source("transactions", TxnCodec.INSTANCE, reader)
 *     .timestamps(Txn::time, WatermarkStrategy.forBoundedOutOfOrderness(5_000));
 * txns.keyBy(Txn::card).process(CardScore::new).uid("card-score").returns(ScoreCodec.INSTANCE)
 *     .keyBy(Score::merchant).process(MerchantTotals::new).uid("merchant-totals")
 *     .sinkTo(sink);
 * Job job = flow.build(new WeirContext().shards(2));
 * }</pre>
 * Built on one thread; single use.
 */
public final class Dataflow
{
    private final String name;
    private final List<Transformation> transformations = new ArrayList<>();

    private Dataflow(final String name)
    {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** Starts a dataflow called {@code name} (checkpoints and files are named by it). */
    public static Dataflow named(final String name)
    {
        return new Dataflow(name);
    }

    public String name()
    {
        return name;
    }

    /** A source read by {@code reader} on its own thread; more readers with {@link SourceBuilder#reader}. */
    public <T> SourceBuilder<T> source(final String name, final Codec<T> codec, final SourceReader<T> reader)
    {
        final SourceBuilder<T> source = new SourceBuilder<>(this, name, codec);
        return source.reader(reader);
    }

    /** A source fed by the application through {@link Job#producer}; one producer unless {@link SourceBuilder#producers}. */
    public <T> SourceBuilder<T> source(final String name, final Codec<T> codec)
    {
        return new SourceBuilder<>(this, name, codec);
    }

    /** The graph, in the order it was built (a topological order); read by the runtime. */
    public List<Transformation> transformations()
    {
        return Collections.unmodifiableList(transformations);
    }

    /** Hand the graph to the runtime: {@code dataflow.build(new WeirContext().shards(2))}. */
    public Job build(final DataflowRunner runner)
    {
        return runner.build(this);
    }

    Transformation add(
        final Transformation.Kind kind,
        final List<Transformation> inputs,
        final Object function,
        final KeySpec key,
        final OutputTag<?> tag,
        final String name)
    {
        final Transformation node = new Transformation(transformations.size(), kind, inputs, function, key, tag, name);
        transformations.add(node);
        return node;
    }

    void checkUid(final String uid, final Transformation owner)
    {
        for (final Transformation node : transformations)
        {
            if (node != owner && uid.equals(node.uid()))
            {
                throw new IllegalArgumentException("dataflow '" + name + "': uid '" + uid + "' is already used by " +
                    node);
            }
        }
    }
}
