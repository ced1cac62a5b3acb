"""Font configuration data (``anjuan-fonts.conf``); a package so that installs ship the file."""

__all__: list[str] = []
