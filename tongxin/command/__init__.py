"""Command and dispatch (指挥调度): responses and their levels, directives signed for by units and
forwarded down the chain, duty rosters with check-in, dispatch meetings and their action items."""
