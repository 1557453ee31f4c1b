package io.weir.tools.nexmark;

import io.weir.tools.common.UsageException;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code weir nexmark SUBCOMMAND}: the Nexmark benchmark (docs/nexmark.md). Each subcommand is a class of its own,
 * listed in {@code subcommands}.
 */
@Command(
    name = "nexmark",
    customSynopsis = "weir nexmark SUBCOMMAND [OPTIONS]",
    header = "the Nexmark benchmark: generator, queries, throughput (docs/nexmark.md)",
    description = {
        "The Nexmark benchmark (an online auction: persons, auctions, bids), as docs/nexmark.md specifies it."},
    subcommands = {NexmarkGenCommand.class},
    footer = "%n'weir nexmark SUBCOMMAND --help' explains a subcommand.")
public final class NexmarkCommand implements Callable<Integer>
{
    private NexmarkCommand()
    {
    }

    /** Without a subcommand: a usage error. */
    @Override
    public Integer call()
    {
        throw new UsageException("weir nexmark: expected a subcommand (see 'weir nexmark --help')");
    }
}
