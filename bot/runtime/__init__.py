"""What every handler runs with: the services, the application, the context.

Below every feature and above storage, vendors and i18n: features import
from here, and only :mod:`bot.app` builds the objects.
"""

from bot.runtime.context import BotApplication, BotContext, bot_application, services_of
from bot.runtime.services import QueueWatch, Services, SpaceWatch, pseudonym

__all__ = ["BotApplication", "BotContext", "bot_application", "QueueWatch", "Services", "SpaceWatch", "pseudonym", "services_of"]
