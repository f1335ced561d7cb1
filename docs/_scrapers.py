"""A sphinx-gallery image scraper for the examples' saved figures.

The examples save their figure (``fig.savefig``) and close it, so that
``python examples/x.py`` works without a display; matplotlib's scraper then
sees no open figure.  This one moves each PNG an example wrote into its own
directory (``examples/``, the directory sphinx-gallery runs it in) into the
gallery.  (A module of its own: Sphinx pickles the configuration.)
"""

import glob
import os
import shutil

from sphinx_gallery.scrapers import figure_rst


class PNGScraper:
    def __repr__(self):
        return "PNGScraper"

    def __call__(self, block, block_vars, gallery_conf):
        folder = os.path.dirname(block_vars["src_file"])
        names = []
        for png in sorted(glob.glob(os.path.join(folder, "*.png"))):
            target = next(block_vars["image_path_iterator"])
            shutil.move(png, target)
            names.append(target)
        return figure_rst(names, gallery_conf["src_dir"])
