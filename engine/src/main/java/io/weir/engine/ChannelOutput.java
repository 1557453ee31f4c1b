package io.weir.engine;

/**
 * The sending end of the channels from one stage instance into another stage's input gates (one ring per
 * receiving thread). Records a full ring refuses wait in a backlog, in order, with the watermarks, barriers and
 * end of input sent after them; nothing here blocks or spins.
 * <p>
 * Used only by the thread that runs the sending stage instance.
 */
interface ChannelOutput
{
    /** Send the stage's watermark on every channel (behind any backlog). */
    void emitWatermark(long watermark);

    /** Send a checkpoint barrier on every channel (behind any backlog). */
    void emitBarrier(long checkpointId, int flags);

    /** Send the end of input on every channel (behind any backlog). */
    void endOfInput();

    /** Whether records wait for room in a ring. */
    boolean hasBacklog();

    /** Move waiting records into their rings as far as they have room; returns how many moved. */
    int drain();
}
