package io.weir.api.functions;

import java.util.Objects;

/**
 * Names a side output (e.g. late data). Tags are compared by identity: create one per side output, usually as a
 * constant, and give the same instance to the job builder and to {@code Context.output}.
 */
public final class OutputTag<T>
{
    private final String id;

    /** A side output identified by {@code id}, unique within a job. */
    public OutputTag(final String id)
    {
        this.id = Objects.requireNonNull(id, "id");
    }

    /** The side output's identifier. */
    public String id()
    {
        return id;
    }

    public String toString()
    {
        return "OutputTag(" + id + ")";
    }
}
