# shellcheck shell=sh disable=SC2154,SC2086,SC2016
# tests/readme-table.sh: sourced (sh) by the checks that hold a table of
# README.md to a list in the code (check-outcomes.sh, check-sdk-statuses.sh).
#
# readme_table_check NAME HEADER LIST NOUN TABLE
#   NAME    the check's name, first on each line it prints
#   HEADER  an awk regular expression for the table's header row; the
#           table is the rows after it, up to the first line that is not
#           a row, and its names the `name`s in each row's first column
#   LIST    a file of the list's names, sorted, one a line
#   NOUN    what the names are, plural, for the last line ("reasons")
#   TABLE   what README.md calls the table, for messages ("reason table")
# Every name of the list must stand in exactly one row, and no row may name
# one the list lacks.  Prints what differs, or "NAME: N NOUN, README.md
# agrees"; returns 0 when they agree.  Needs $top, the tree's top.
readme_table_check() {
    rt_name=$1 rt_list=$3 rt_noun=$4 rt_what=$5
    rt_table=$rt_list.readme
    RT_HEADER=$2 awk '$0 ~ ENVIRON["RT_HEADER"] { on = 1; next }
         on && !/^\|/ { exit }
         on { n = split($0, col, "|"); if (n > 2) print col[2] }' \
        "$top/README.md" | grep -o '`[a-z0-9_]*`' | tr -d '`' | sort > "$rt_table"
    if [ ! -s "$rt_list" ] || [ ! -s "$rt_table" ]; then
        echo "$rt_name: no list in the code or no $rt_what in README.md"
        return 1
    fi
    rt_status=0
    rt_dups=$(uniq -d "$rt_table")
    rt_missing=$(sort -u "$rt_table" | comm -23 "$rt_list" -)
    rt_extra=$(sort -u "$rt_table" | comm -13 "$rt_list" -)
    if [ -n "$rt_dups" ]; then
        echo "$rt_name: README.md's $rt_what lists twice:" $rt_dups
        rt_status=1
    fi
    if [ -n "$rt_missing" ]; then
        echo "$rt_name: missing from README.md's $rt_what:" $rt_missing
        rt_status=1
    fi
    if [ -n "$rt_extra" ]; then
        echo "$rt_name: README.md's $rt_what names what the list lacks:" $rt_extra
        rt_status=1
    fi
    [ "$rt_status" = 0 ] \
        && echo "$rt_name: $(wc -l < "$rt_list") $rt_noun, README.md agrees"
    return $rt_status
}
