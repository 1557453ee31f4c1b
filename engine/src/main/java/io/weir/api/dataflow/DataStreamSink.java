package io.weir.api.dataflow;

import java.util.Objects;

/** A sink added by {@link DataStream#sinkTo}: name it. */
public final class DataStreamSink
{
    private final Dataflow dataflow;
    private final Transformation node;

    DataStreamSink(final Dataflow dataflow, final Transformation node)
    {
        this.dataflow = dataflow;
        this.node = node;
    }

    public DataStreamSink name(final String name)
    {
        node.name(Objects.requireNonNull(name, "name"));
        return this;
    }

    public DataStreamSink uid(final String uid)
    {
        dataflow.checkUid(Objects.requireNonNull(uid, "uid"), node);
        node.uid(uid);
        return this;
    }

    public Transformation transformation()
    {
        return node;
    }
}
