# mk/deb.mk - make deb: the Debian packages, built from debian/ with
# dpkg-buildpackage in a copy of the tree (so `debian/rules clean` cannot
# touch this build), then checked with lintian when it is installed.
#
#   make deb        build/deb/*.deb: bouncediag, libbouncediag0,
#                   libbouncediag-dev
#
# Needs dpkg-dev, debhelper and the Build-Depends of debian/control;
# fakeroot too when not run as root.

DEBDIR  = build/deb
LINTIAN ?= lintian

deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
	    { echo "make deb: install dpkg-dev and debhelper first" >&2; \
	      exit 1; }
	@dpkg-checkbuilddeps || { echo "make deb: install the missing" \
	    "Build-Depends above first" >&2; exit 1; }
	rm -rf $(DEBDIR)
	mkdir -p $(DEBDIR)/src
	tar -cf - --anchored --exclude=./build --exclude=./.git \
	    --exclude=./bouncediag --exclude='*.o' --exclude='*.a' \
	    --exclude='*.so' --exclude='*.so.*' . | tar -xf - -C $(DEBDIR)/src
	cd $(DEBDIR)/src && dpkg-buildpackage -us -uc -b
	@if command -v $(LINTIAN) >/dev/null; then \
	    echo "$(LINTIAN) $(DEBDIR)/*.changes"; \
	    $(LINTIAN) --fail-on error $(DEBDIR)/*.changes; \
	else echo "make deb: lintian not installed: not checked"; fi
	@ls -1 $(DEBDIR)/*.deb

.PHONY: deb
