"""Package map: the top-level layer directories install as ``anjuan.<layer>``.

The design card fixes the repository layout (``archive/``, ``templates/``, ``signing/``,
``indexing/``, ``api/``); installing them as top-level modules would put names such as ``api`` and
``templates`` into site-packages, where they collide with other distributions.
"""

from setuptools import find_packages, setup

LAYERS = ("archive", "templates", "signing", "indexing", "api")
DATA = [
    "*.txt",
    "*.yaml",
    "*.yml",
    "*.json",
    "*.docx",
    "*.conf",
    "*.xml",
    "*.ini",
    "*.mako",
    "*.html",
    "*.css",
    "*.py.tpl",
    # the web UI's templates and static files (api/web/pages, api/web/static)
    "pages/*.html",
    "static/*.js",
    "static/*.css",
    "static/*.md",
]

packages = ["anjuan"]
package_dir = {"anjuan": "anjuan"}
package_data: dict[str, list[str]] = {"anjuan": ["*.yaml"]}  # statuses.yaml (anjuan/display.py)
for layer in LAYERS:
    package_dir[f"anjuan.{layer}"] = layer
    subs = [f"anjuan.{layer}"] + [f"anjuan.{layer}.{p}" for p in find_packages(layer)]
    packages += subs
    for name in subs:
        package_data[name] = DATA

setup(packages=packages, package_dir=package_dir, package_data=package_data, include_package_data=True)
