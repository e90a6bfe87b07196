"""Which remote-control tools to offer, the visitor's operating system first."""

from dataclasses import dataclass, field

from ..models import OperatingSystem, RemoteTool


def detect_operating_system(user_agent: str) -> str | None:
    """Windows, macOS or Linux from a User-Agent header; None for phones,
    tablets and anything unrecognised."""
    agent = user_agent or ""
    if any(mobile in agent for mobile in ("iPhone", "iPad", "Android")):
        return None
    if "Windows" in agent:
        return OperatingSystem.WINDOWS
    if "Macintosh" in agent or "Mac OS X" in agent:
        return OperatingSystem.MACOS
    if "Linux" in agent or "X11" in agent or "CrOS" in agent:
        return OperatingSystem.LINUX
    return None


@dataclass
class ToolChoice:
    system: str | None
    recommended: list[RemoteTool] = field(default_factory=list)
    others: list[RemoteTool] = field(default_factory=list)
    legacy: list[RemoteTool] = field(default_factory=list)

    @property
    def system_label(self) -> str:
        return OperatingSystem(self.system).label if self.system else ""


def tools_for_download(user_agent: str) -> ToolChoice:
    """The active tools: those for the visitor's system first, then the others,
    and the legacy ones apart (each group in the editors' sort order)."""
    system = detect_operating_system(user_agent)
    choice = ToolChoice(system=system)
    for tool in RemoteTool.objects.active().select_related("document"):
        if tool.is_legacy:
            choice.legacy.append(tool)
        elif system and tool.supports(system):
            choice.recommended.append(tool)
        else:
            choice.others.append(tool)
    return choice
