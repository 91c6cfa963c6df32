# bash completion for bouncediag(1)                      -*- shell-script -*-
# Installed as $(BASHCOMPDIR)/bouncediag, loaded on demand by
# bash-completion.  Cause ids come from `bouncediag --list-causes`, so
# they include the site's and the user's rules.

_bouncediag_causes()
{
	# The --rules given so far decide the table, as they would on the
	# command line.
	local i rules=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == --rules ]] && ((i + 1 < COMP_CWORD)); then
			rules+=(--rules "${COMP_WORDS[i + 1]}")
		fi
	done
	"${COMP_WORDS[0]}" "${rules[@]}" --list-causes 2>/dev/null |
	    while read -r id _; do printf '%s\n' "$id"; done
}

_bouncediag()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion -n : || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi

	case $prev in
	--format)
		COMPREPLY=($(compgen -W 'text json jsonl' -- "$cur"))
		return ;;
	--mode)
		COMPREPLY=($(compgen -W 'auto text eml mbox log' -- "$cur"))
		return ;;
	--color)
		COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
		return ;;
	--explain)
		COMPREPLY=($(compgen -W "$(_bouncediag_causes)" -- "$cur"))
		return ;;
	--fail-on)
		# A comma-separated list: complete the last item.
		local head='' last=$cur
		if [[ $cur == *,* ]]; then
			head=${cur%,*},
			last=${cur##*,}
		fi
		COMPREPLY=($(compgen -P "$head" -W "$(_bouncediag_causes)" \
		    -- "$last"))
		compopt -o nospace 2>/dev/null
		return ;;
	--rules)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return ;;
	-e|--expr)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-e --expr --format --mode --rules
		    --summary --fail-on --fail-on-delayed --color --list-causes --explain
		    --check-rules --strict --trust-rules --no-cache -h --help -V --version' -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
	compopt -o filenames 2>/dev/null
}
complete -F _bouncediag bouncediag
