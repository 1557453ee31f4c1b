package io.weir.tools.nexmark.queries;

import io.weir.api.dataflow.DataStream;
import io.weir.tools.io.RowFormatter;

/**
 * One Nexmark query of docs/nexmark.md (section 4): the operators it adds to the event stream, and how its rows are
 * written as CSV.
 *
 * @param <R> the type of the query's result rows.
 */
public interface NexmarkQuery<R> extends RowFormatter<R>
{
    /** The delay of the time model's watermark behind the newest event time: 4000 ms bound, plus 1. */
    long WATERMARK_DELAY_MS = NexmarkQueries.OUT_OF_ORDERNESS_MS + 1;

    /** The query's name, {@code q0} ... {@code q11}. */
    String name();

    /** The query's operators over {@code events} (timestamped by date_time); the stream of its result rows. */
    DataStream<R> apply(DataStream<NexmarkEvent> events);

    /**
     * The event time of the first event whose arrival makes {@code row} due (its own, or the one whose watermark
     * fires the window or timer that emits it), for latency; {@link Long#MIN_VALUE} when the row does not say.
     */
    long dueTime(R row);
}
