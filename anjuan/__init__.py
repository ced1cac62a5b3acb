"""anjuan (案卷): documents, seals, case files and the e-archive of work-safety enforcement.

The code lives in the layer packages ``anjuan.api`` → ``anjuan.archive`` → ``anjuan.templates``,
``anjuan.signing``, ``anjuan.indexing``; this module only carries the version.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
