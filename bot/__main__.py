import gc
import sys

# Start-up allocates a great deal and frees little (modules, classes, pydantic models):
# collecting during it is wasted work, a good part of a cold start. The collector comes
# back once the code is loaded (bot.cli.settle_heap), with all that set aside for good.
gc.disable()

from bot.cli import main  # noqa: E402

sys.exit(main())
