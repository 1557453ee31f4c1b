package io.weir.flink;

import io.weir.api.dataflow.Dataflow;

import java.io.Serializable;

/**
 * Builds a job's {@link Dataflow} again, in a Flink task manager's JVM: what a job submitted to a remote cluster
 * ships instead of its (not serializable) functions and readers. It must build the same graph every time.
 */
@FunctionalInterface
public interface DataflowFactory extends Serializable
{
    Dataflow create() throws Exception;
}
