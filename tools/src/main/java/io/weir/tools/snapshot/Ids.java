package io.weir.tools.snapshot;

import io.weir.tools.common.Conventions;
import picocli.CommandLine.Model.CommandSpec;

/** The {@code --id N} option of the snapshot subcommands. */
final class Ids
{
    private Ids()
    {
    }

    /**
     * @param id the value of {@code --id}, null if not given.
     * @return the id, or -1 if not given.
     */
    static long of(final CommandSpec spec, final Long id)
    {
        return id == null ? -1 : Conventions.range(spec, "--id", id, 0, Long.MAX_VALUE);
    }
}
