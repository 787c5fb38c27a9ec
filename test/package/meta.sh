# test/package/meta.sh: the release metadata agrees with numa_pg.control.
#
# - META.json (PGXN Meta Spec 1.0.0) parses, has the spec's required keys,
#   and its version and the version of the numa_pg it provides are
#   default_version written as the spec wants it, a semantic version
#   (1.4 is 1.4.0); the file it names for numa_pg exists;
# - the install scripts reach default_version (a full script, numa_pg--1.0.sql,
#   and updates: there is no numa_pg--1.4.sql);
# - debian/changelog's upstream version is default_version.
# No server, no build: a release that forgets one of them fails here.

. "$(dirname "$0")/../t/tap.bash"

ensure_packages jq
cd "$NUMAPG_SRC" || exit 1
DEFAULT_VERSION=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" numa_pg.control)
# the spec's versions have three numbers
case $DEFAULT_VERSION in
*.*.*) SEMVER=$DEFAULT_VERSION ;;
*.*) SEMVER=$DEFAULT_VERSION.0 ;;
*) SEMVER=$DEFAULT_VERSION.0.0 ;;
esac

jq empty META.json
ok $? "META.json parses"
meta() { jq -r "$1" META.json; }
is "$(meta '["name", "version", "abstract", "maintainer", "license", "provides", "meta-spec"]
	- keys | join(" ")')" "" "it has the keys the spec requires"
is "$(meta '."meta-spec".version')" "1.0.0" "meta-spec version 1.0.0"
is "$(meta .version)" "$SEMVER" "its version is default_version $DEFAULT_VERSION as a semantic version"
is "$(meta '.provides | keys | join(" ")')" "numa_pg" "it provides numa_pg"
is "$(meta .provides.numa_pg.version)" "$SEMVER" "numa_pg's version there is the same"
file=$(meta .provides.numa_pg.file)
[ -f "$file" ]
ok $? "the file it names for numa_pg ($file) exists"

# CREATE EXTENSION numa_pg runs a full script, then updates up to
# default_version: the scripts here must reach it
reached=" $(for f in numa_pg--*.sql; do
	[[ $f =~ ^numa_pg--([^-]+)\.sql$ ]] && echo "${BASH_REMATCH[1]}"
done | tr '\n' ' ')"
grew=1
while [ $grew -eq 1 ]; do
	grew=0
	for f in numa_pg--*--*.sql; do
		[[ $f =~ ^numa_pg--([^-]+)--([^-]+)\.sql$ ]] || continue
		if [[ $reached == *" ${BASH_REMATCH[1]} "* && $reached != *" ${BASH_REMATCH[2]} "* ]]; then
			reached+="${BASH_REMATCH[2]} "
			grew=1
		fi
	done
done
[[ $reached == *" $DEFAULT_VERSION "* ]]
ok $? "numa_pg--*.sql reach default_version $DEFAULT_VERSION (versions reached:$reached)"

is "$(sed -n '1s/^[^ ]* (\([^)-]*\)-[^)]*).*/\1/p' debian/changelog)" "$DEFAULT_VERSION" \
	"debian/changelog's upstream version is default_version"

done_testing
