"""The Resultater tab: its routes, single sign-on, page and the assets the bot serves itself.

Nothing is loaded from a CDN: the page's script, styles and charts are in static/, and TeamsJS is
copied from npm (`@microsoft/teams-js`) at build time (bot/tab/assets.py says where from).
"""

from bot.tab.routes import TAB, TabContext, add_tab_routes
from bot.tab.sso import Refused, TabIdentity, TabTokens

__all__ = ["TAB", "Refused", "TabContext", "TabIdentity", "TabTokens", "add_tab_routes"]
