package io.weir.snapshot;

/**
 * Whether a manifest describes a periodic checkpoint (retained by count, may share delta chains) or a
 * savepoint (asked for by a user, self-contained, never deleted by retention).
 */
public enum CheckpointKind
{
    CHECKPOINT(1),
    SAVEPOINT(2);

    private final int code;

    CheckpointKind(final int code)
    {
        this.code = code;
    }

    /**
     * @return the value stored on disk.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code as stored on disk.
     * @return the kind, or null if unknown.
     */
    public static CheckpointKind fromCode(final int code)
    {
        switch (code)
        {
            case 1: return CHECKPOINT;
            case 2: return SAVEPOINT;
            default: return null;
        }
    }
}
