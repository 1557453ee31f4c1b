package io.weir.api.dataflow;

/** What turns a {@link Dataflow} into a job: the runtime's settings (Weir's {@code WeirContext}). */
public interface DataflowRunner
{
    /** Validate the settings and wire the job (not started). */
    Job build(Dataflow dataflow);
}
