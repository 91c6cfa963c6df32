# mk/install.mk - the shared library, bouncediag.pc, make install and
# make uninstall.
#
#   make                  also builds $(B)/libbouncediag.so.$(VERSION)
#   make install          PREFIX (/usr/local), DESTDIR, BINDIR, LIBDIR,
#                         INCDIR, MANDIR, DATADIR, RULESDIR, PKGCONFIGDIR,
#                         BASHCOMPDIR, ZSHCOMPDIR
#   make uninstall        the same variables: removes what install put there
#
# The binary has RULESDIR compiled in (BD_RULES_DIR): build and install
# with the same PREFIX.  Changing RULESDIR rebuilds main.o, so
# `make install PREFIX=/opt/bd` after a plain `make` still does the
# right thing.
#
# The shared library exports exactly the functions declared in
# include/bouncediag.h: the version script is made from the header, so a
# new public function is exported without editing a list, and the
# library-internal bd_* helpers stay local.  Objects are built a second
# time with -fPIC under $(B)/pic.

SOMAJOR      = 0
SONAME       = libbouncediag.so.$(SOMAJOR)
SOLIB        = libbouncediag.so.$(VERSION)
PIC_OBJ      = $(LIB_SRC:%.c=$(B)/pic/%.o)

PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR  ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR   ?= $(DATADIR)/zsh/site-functions
INSTALL      ?= install
# Refresh the run-time linker's cache after installing a shared library
# into the live system (not into a DESTDIR).  LDCONFIG=: turns it off.
LDCONFIG     ?= ldconfig

RULES_FILES  = $(sort $(wildcard rules/*.rules)) rules/README.md
# Installed with the default rules directory they name replaced by
# RULESDIR.
MAN_PAGES    = man/bouncediag.1 man/bouncediag-rules.5 man/libbouncediag.3

all: $(B)/$(SOLIB)

# RULESDIR as last compiled in; rewritten only when it changes, so that
# main.o is rebuilt exactly then (git's GIT-CFLAGS trick).
$(B)/.rulesdir: FORCE
	@mkdir -p $(@D)
	@if [ "$$(cat $@ 2>/dev/null)" != '$(RULESDIR)' ]; then \
	    printf '%s\n' '$(RULESDIR)' >$@; fi

$(B)/src/main.o: $(B)/.rulesdir

$(B)/pic/src/%.o: src/%.c $(HDRS) | $(B)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

# Every function declared at the start of a line in the public header.
$(B)/libbouncediag.map: include/bouncediag.h
	@mkdir -p $(@D)
	{ echo 'LIBBOUNCEDIAG_$(SOMAJOR) {'; echo 'global:'; \
	  sed -n -e '/^typedef/d' \
	    -e 's/^[a-z][^(]*[ 	*]\(bd_[a-z0-9_]*\)(.*/	\1;/p' $<; \
	  echo 'local:'; echo '	*;'; echo '};'; } >$@.tmp
	mv $@.tmp $@

$(B)/$(SOLIB): $(PIC_OBJ) $(B)/libbouncediag.map
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) \
	    -Wl,--version-script,$(B)/libbouncediag.map -Wl,-z,defs \
	    -o $@ $(PIC_OBJ) $(LIBS)
	ln -sf $(SOLIB) $(B)/$(SONAME)
	ln -sf $(SONAME) $(B)/libbouncediag.so

# Private link flags for static linking (pkg-config --static).
$(B)/bouncediag.pc: bouncediag.pc.in FORCE
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCDIR@|$(INCDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@LIBS_PRIVATE@|$(strip $(LIBS))|g' bouncediag.pc.in >$@

install: $(BIN) $(B)/libbouncediag.a $(B)/$(SOLIB) $(B)/bouncediag.pc
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(RULESDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(INCDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/bouncediag
	$(INSTALL) -m 0644 $(RULES_FILES) $(DESTDIR)$(RULESDIR)
	for m in $(MAN_PAGES); do \
	    d=$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/}; \
	    sed 's|/usr/local/share/bouncediag/rules|$(RULESDIR)|g' \
	        $$m >$$d && chmod 0644 $$d || exit 1; done
	$(INSTALL) -m 0644 $(B)/libbouncediag.a $(DESTDIR)$(LIBDIR)
	$(INSTALL) -m 0755 $(B)/$(SOLIB) $(DESTDIR)$(LIBDIR)
	ln -sf $(SOLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libbouncediag.so
	$(INSTALL) -m 0644 include/bouncediag.h $(DESTDIR)$(INCDIR)
	$(INSTALL) -m 0644 $(B)/bouncediag.pc $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 0644 completions/bouncediag.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/bouncediag
	$(INSTALL) -m 0644 completions/_bouncediag $(DESTDIR)$(ZSHCOMPDIR)
	@if [ -z '$(DESTDIR)' ]; then $(LDCONFIG) 2>/dev/null || :; fi

# Files by name (never a wildcard over the installed tree), then the
# directories only bouncediag uses, when empty.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bouncediag
	rm -f $(patsubst rules/%,$(DESTDIR)$(RULESDIR)/%,$(RULES_FILES))
	rm -f $(DESTDIR)$(MANDIR)/man1/bouncediag.1 \
	    $(DESTDIR)$(MANDIR)/man3/libbouncediag.3 \
	    $(DESTDIR)$(MANDIR)/man5/bouncediag-rules.5
	rm -f $(DESTDIR)$(LIBDIR)/libbouncediag.a \
	    $(DESTDIR)$(LIBDIR)/$(SOLIB) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libbouncediag.so
	rm -f $(DESTDIR)$(INCDIR)/bouncediag.h \
	    $(DESTDIR)$(PKGCONFIGDIR)/bouncediag.pc
	rm -f $(DESTDIR)$(BASHCOMPDIR)/bouncediag \
	    $(DESTDIR)$(ZSHCOMPDIR)/_bouncediag
	@rmdir $(DESTDIR)$(RULESDIR) 2>/dev/null || :
	@rmdir $(DESTDIR)$(DATADIR)/bouncediag 2>/dev/null || :

FORCE:

.PHONY: install uninstall FORCE
