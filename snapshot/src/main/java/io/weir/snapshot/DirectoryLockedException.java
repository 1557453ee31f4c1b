package io.weir.snapshot;

import java.nio.file.Path;

/**
 * A directory is held by a running job, of this or another process, so another job may not use it. The message is
 * one line naming the directory and its holder.
 */
public final class DirectoryLockedException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    private final transient Path directory;

    public DirectoryLockedException(final Path directory, final String message)
    {
        super(message);
        this.directory = directory;
    }

    /**
     * @return the directory that is held.
     */
    public Path directory()
    {
        return directory;
    }
}
