"""The command line every benchmark starts from, with the options several of them share."""
import argparse

DIR_HELP = "work directory (default: a temporary one, removed after)"


def bench_parser(doc: str, *, size: str | None = None, sizes: str | None = None, seed: bool = False,
                 work_dir: bool = False) -> argparse.ArgumentParser:
    """A parser described by the first line of the bench's ``doc``, with the shared options asked for:
    ``size`` names an option for one number of postings (100 000 by default), ``sizes`` one for
    several (10 000 and 100 000), ``seed`` adds ``--seed`` (of the demo data, 1) and ``work_dir``
    adds ``--dir``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if size:
        parser.add_argument(size, type=int, default=100_000)
    if sizes:
        parser.add_argument(sizes, type=int, nargs="+", default=[10_000, 100_000])
    if seed:
        parser.add_argument("--seed", type=int, default=1)
    if work_dir:
        parser.add_argument("--dir", help=DIR_HELP)
    return parser
