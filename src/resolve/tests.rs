//! Tests of the resolver over small made-up indexes, one behaviour each.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::str::FromStr;

use futures::executor::block_on;
use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName};

use super::*;
use crate::environment::{Platform, TargetEnvironment};
use crate::index::{CoreMetadata, DistFile, FileKind, IndexError, Project, ProjectLookup, Release, WheelTags};
use crate::sources::pep508::parse_requirement;

/// A made-up index in memory; it records what it was asked.
#[derive(Default)]
struct MadeUpIndex {
    projects: HashMap<String, Project>,
    metadata: HashMap<String, Rc<CoreMetadata>>,
    asked: RefCell<Vec<String>>,
}

/// 2024-01-01T00:00:00Z: every made-up file is uploaded then unless a test says otherwise.
const UPLOADED: i64 = 1_704_067_200;

impl MadeUpIndex {
    /// Adds `name` `version` as one pure wheel whose metadata requires `requires` (PEP 508 strings).
    fn wheel(mut self, name: &str, version: &str, requires: &[&str]) -> Self {
        self.add(name, version, "py3-none-any", requires, None);
        self
    }

    /// Adds a wheel with the given tags (`cp311-cp311-win_amd64`) and `Requires-Python`.
    fn add(
        &mut self,
        name: &str,
        version: &str,
        tags: &str,
        requires: &[&str],
        requires_python: Option<&str>,
    ) -> &mut DistFile {
        let filename = format!("{}-{version}-{tags}.whl", name.replace('-', "_"));
        let mut parts = tags.split('-').map(|part| part.split('.').map(String::from).collect::<Vec<_>>());
        let wheel = WheelTags {
            python: parts.next().unwrap(),
            abi: parts.next().unwrap(),
            platform: parts.next().unwrap(),
            build: None,
        };
        let requires_python = requires_python.map(|text| VersionSpecifiers::from_str(text).unwrap());
        let extras = requires
            .iter()
            .flat_map(|text| text.split("extra == '").skip(1).map(|rest| rest.split('\'').next().unwrap().to_string()))
            .map(|extra| ExtraName::new(extra).unwrap())
            .collect();
        self.metadata.insert(
            filename.clone(),
            Rc::new(CoreMetadata {
                name: PackageName::new(name.to_string()).unwrap(),
                version: Version::from_str(version).unwrap(),
                requires_dist: requires.iter().map(|text| parse_requirement(text).unwrap()).collect(),
                requires_python: requires_python.clone(),
                provides_extra: extras,
            }),
        );
        let file = DistFile {
            url: format!("https://files.example/{filename}"),
            filename,
            kind: FileKind::Wheel(wheel),
            requires_python,
            yanked: None,
            uploaded: Some(UPLOADED),
            core_metadata: true,
            size: None,
        };
        self.file(name, version, file)
    }

    /// Adds an sdist of `name` `version` (no metadata is served for it).
    fn sdist(mut self, name: &str, version: &str) -> Self {
        let filename = format!("{name}-{version}.tar.gz");
        let file = DistFile {
            url: format!("https://files.example/{filename}"),
            filename,
            kind: FileKind::Sdist,
            requires_python: None,
            yanked: None,
            uploaded: Some(UPLOADED),
            core_metadata: false,
            size: None,
        };
        self.file(name, version, file);
        self
    }

    fn file(&mut self, name: &str, version: &str, file: DistFile) -> &mut DistFile {
        let package = PackageName::new(name.to_string()).unwrap();
        let project = self.projects.entry(package.to_string()).or_insert_with(|| Project {
            name: package,
            releases: Vec::new(),
            unreadable_versions: Vec::new(),
            status: None,
        });
        let version = Version::from_str(version).unwrap();
        let at = match project.releases.iter().position(|release| release.version == version) {
            Some(at) => at,
            None => {
                project.releases.push(Release { version: version.clone(), files: Vec::new() });
                crate::sorting::sort_by(&mut project.releases, |a, b| a.version.cmp(&b.version));
                project.releases.iter().position(|release| release.version == version).unwrap()
            }
        };
        let files = &mut project.releases[at].files;
        files.push(file);
        files.last_mut().unwrap()
    }

    /// The last file added to `name` `version`.
    fn last(&mut self, name: &str, version: &str) -> &mut DistFile {
        let version = Version::from_str(version).unwrap();
        let project = self.projects.get_mut(name).unwrap();
        let release = project.releases.iter_mut().find(|release| release.version == version).unwrap();
        release.files.last_mut().unwrap()
    }
}

impl PackageSource for MadeUpIndex {
    async fn project(&self, name: &PackageName) -> ProjectLookup {
        self.asked.borrow_mut().push(format!("project {name}"));
        self.projects.get(name.as_ref()).cloned().map(Rc::new).ok_or(IndexError::NotFound)
    }

    async fn metadata(&self, file: &DistFile) -> Result<Rc<CoreMetadata>, IndexError> {
        self.asked.borrow_mut().push(format!("metadata {}", file.filename));
        self.metadata.get(&file.filename).cloned().ok_or_else(|| IndexError::NoMetadata(file.filename.clone()))
    }
}

fn linux(python: &str) -> TargetEnvironment {
    TargetEnvironment { python: python.parse().unwrap(), platform: Platform::Linux }
}

fn requirement(text: &str) -> InputRequirement {
    let (name, specifiers) = text.split_at(text.find(|c: char| "<>=!~".contains(c)).unwrap_or(text.len()));
    let (name, extras) = match name.split_once('[') {
        Some((name, extras)) => (name, extras.trim_end_matches(']').split(',').collect::<Vec<_>>()),
        None => (name, Vec::new()),
    };
    InputRequirement::new(name, specifiers, "-r requirements.in").unwrap().with_extras(&extras)
}

fn resolve_on(index: &MadeUpIndex, target: TargetEnvironment, requirements: &[&str]) -> Resolution {
    let request = Request::new(requirements.iter().map(|text| requirement(text)).collect(), target);
    block_on(resolve(index, &request))
}

/// `name==version` of every resolved package.
fn pins(resolution: &Resolution) -> Vec<String> {
    assert_eq!(resolution.failure, None);
    resolution.packages.iter().map(|package| format!("{}=={}", package.name, package.version)).collect()
}

#[test]
fn the_highest_allowed_versions_are_chosen_through_the_tree() {
    let index = MadeUpIndex::default()
        .wheel("app", "1.0", &["lib>=1.0"])
        .wheel("app", "2.0", &["lib<2", "util"])
        .wheel("lib", "1.0", &[])
        .wheel("lib", "1.5", &["util>=0.5"])
        .wheel("lib", "2.0", &[])
        .wheel("util", "0.4", &[])
        .wheel("util", "0.9", &[]);
    let resolution = resolve_on(&index, linux("3.12"), &["app"]);
    assert_eq!(pins(&resolution), ["app==2.0", "lib==1.5", "util==0.9"]);
    let util = &resolution.packages[2];
    let parents: Vec<String> = util.parents.iter().map(Parent::via).collect();
    assert_eq!(parents, ["app", "lib"]);
    assert!(resolution.packages[0].named && !util.named);
    assert!(resolution.not_resolved.is_empty());
}

#[test]
fn a_conflict_backtracks_to_an_older_version() {
    let index = MadeUpIndex::default()
        .wheel("left", "1.0", &[])
        .wheel("left", "2.0", &["shared<2"])
        .wheel("right", "1.0", &["shared>=2"])
        .wheel("shared", "1.0", &[])
        .wheel("shared", "2.0", &[]);
    let resolution = resolve_on(&index, linux("3.12"), &["left", "right"]);
    assert_eq!(pins(&resolution), ["left==1.0", "right==1.0", "shared==2.0"]);
}

#[test]
fn no_resolution_is_explained_in_words() {
    let index = MadeUpIndex::default()
        .wheel("flask", "3.0.0", &["Werkzeug>=3.0.0"])
        .wheel("werkzeug", "2.3.8", &[])
        .wheel("werkzeug", "3.0.1", &[]);
    let resolution = resolve_on(&index, linux("3.12"), &["Flask==3.0.0", "werkzeug<3"]);
    assert!(resolution.packages.is_empty());
    let failure = resolution.failure.expect("no resolution").join("\n");
    assert_eq!(
        failure,
        "Because Flask==3.0.0 depends on werkzeug>=3.0.0 and you require Flask==3.0.0, we can conclude that you \
         require werkzeug>=3.0.0.\nAnd because you require werkzeug<3, we can conclude that your requirements are \
         unsatisfiable."
    );
}

#[test]
fn extras_add_their_dependencies_and_are_recorded() {
    let index = MadeUpIndex::default()
        .wheel("requests", "2.32.3", &["urllib3<3", "PySocks!=1.5.7,>=1.5.6 ; extra == 'socks'"])
        .wheel("urllib3", "2.2.1", &[])
        .wheel("pysocks", "1.7.1", &[]);
    let resolution = resolve_on(&index, linux("3.12"), &["requests[socks]>=2.31"]);
    assert_eq!(pins(&resolution), ["pysocks==1.7.1", "requests==2.32.3", "urllib3==2.2.1"]);
    let requests = &resolution.packages[1];
    assert_eq!(requests.extras, [ExtraName::new("socks".into()).unwrap()]);
    match &resolution.packages[0].parents[..] {
        [Parent::Package { name, requirement, .. }] => {
            assert_eq!(name.as_ref(), "requests");
            assert_eq!(requirement, "pysocks>=1.5.6,!=1.5.7");
        }
        other => panic!("{other:?}"),
    }
    let without = resolve_on(&index, linux("3.12"), &["requests"]);
    assert_eq!(pins(&without), ["requests==2.32.3", "urllib3==2.2.1"]);
}

#[test]
fn markers_are_evaluated_for_the_target() {
    let index = MadeUpIndex::default()
        .wheel(
            "click",
            "8.1.8",
            &["colorama ; platform_system == 'Windows'", "importlib-metadata ; python_version < '3.8'"],
        )
        .wheel("colorama", "0.4.6", &[]);
    let on_linux = resolve_on(&index, linux("3.12"), &["click"]);
    assert_eq!(pins(&on_linux), ["click==8.1.8"]);
    let windows = TargetEnvironment { platform: Platform::Windows, ..linux("3.12") };
    let on_windows = resolve_on(&index, windows, &["click"]);
    assert_eq!(pins(&on_windows), ["click==8.1.8", "colorama==0.4.6"]);
}

#[test]
fn yanked_versions_are_used_only_when_pinned_exactly() {
    let mut index = MadeUpIndex::default().wheel("crypto", "37.0.2", &[]).wheel("crypto", "37.0.3", &[]);
    index.last("crypto", "37.0.3").yanked = Some("Regression".into());
    let ranged = resolve_on(&index, linux("3.12"), &["crypto>=37.0.2,<37.0.4"]);
    assert_eq!(pins(&ranged), ["crypto==37.0.2"]);
    let pinned = resolve_on(&index, linux("3.12"), &["crypto==37.0.3"]);
    assert_eq!(pins(&pinned), ["crypto==37.0.3"]);
    let only_yanked = resolve_on(&index, linux("3.12"), &["crypto>37.0.2"]);
    let failure = only_yanked.failure.expect("no resolution").join("\n");
    assert!(failure.contains("crypto==37.0.3 was yanked (reason: Regression)"), "{failure}");
}

#[test]
fn pre_releases_only_when_asked_for_or_nothing_else_exists() {
    let index = MadeUpIndex::default()
        .wheel("tool", "1.0", &[])
        .wheel("tool", "2.0b1", &[])
        .wheel("nightly", "0.1a1", &[])
        .wheel("nightly", "0.1a2", &[]);
    assert_eq!(pins(&resolve_on(&index, linux("3.12"), &["tool"])), ["tool==1.0"]);
    assert_eq!(pins(&resolve_on(&index, linux("3.12"), &["tool>=2.0b1"])), ["tool==2.0b1"]);
    assert_eq!(pins(&resolve_on(&index, linux("3.12"), &["nightly"])), ["nightly==0.1a2"]);
}

#[test]
fn requires_python_of_the_index_and_of_the_metadata_leave_versions_out() {
    let mut index = MadeUpIndex::default();
    index.add("numpy", "2.0.2", "cp39-cp39-manylinux_2_17_x86_64", &[], Some(">=3.9"));
    index.add("numpy", "2.2.0", "cp310-abi3-manylinux_2_17_x86_64", &[], Some(">=3.10"));
    index.add("numpy", "2.2.0", "py3-none-any", &[], Some(">=3.10"));
    index.add("numpy", "2.1.0", "cp39-cp39-manylinux_2_17_x86_64", &[], None);
    // 2.1.0's files say nothing; its metadata says >=3.10.
    index.metadata.values_mut().for_each(|metadata| {
        if metadata.version.to_string() == "2.1.0" {
            Rc::make_mut(metadata).requires_python = Some(VersionSpecifiers::from_str(">=3.10").unwrap());
        }
    });
    let py39 = resolve_on(&index, linux("3.9"), &["numpy"]);
    assert_eq!(pins(&py39), ["numpy==2.0.2"]);
    let too_new = resolve_on(&index, linux("3.9"), &["numpy>=2.1"]);
    let failure = too_new.failure.expect("no resolution").join("\n");
    assert!(failure.contains("requires Python >=3.10, but the target is Python 3.9"), "{failure}");
}

#[test]
fn wheels_are_chosen_by_the_target_s_tags() {
    let mut index = MadeUpIndex::default();
    index.add("fast", "1.0", "cp311-cp311-win_amd64", &["winonly"], None);
    index.add("fast", "1.0", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", &[], None);
    index.add("fast", "2.0", "cp312-cp312-manylinux_2_17_x86_64", &[], None);
    let index = index.wheel("winonly", "1.0", &[]);
    let resolution = resolve_on(&index, linux("3.11"), &["fast"]);
    assert_eq!(pins(&resolution), ["fast==1.0"], "2.0 has no wheel for 3.11 and no sdist");
    let asked = index.asked.borrow().clone();
    assert!(
        asked.contains(&"metadata fast-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl".into()),
        "{asked:?}"
    );
}

#[test]
fn an_sdist_only_release_is_resolved_and_its_dependencies_reported_as_not_resolved() {
    let index = MadeUpIndex::default().sdist("docopt", "0.6.2").wheel("pyyaml", "6.0.2", &[]);
    let resolution = resolve_on(&index, linux("3.11"), &["docopt>=0.6", "pyyaml"]);
    assert_eq!(pins(&resolution), ["docopt==0.6.2", "pyyaml==6.0.2"]);
    assert_eq!(resolution.not_resolved.len(), 1);
    assert_eq!(resolution.not_resolved[0].reason, NotResolved::NeedsBuild);
    assert_eq!(resolution.not_resolved[0].to_string().split(':').next(), Some("docopt 0.6.2"));
    assert!(!index.asked.borrow().iter().any(|asked| asked.contains("docopt-0.6.2.tar.gz")));
    // An sdist beside wheels for other platforms: the wheel's metadata is read, nothing is built.
    let mut index = MadeUpIndex::default().sdist("native", "1.0");
    index.add("native", "1.0", "cp313-cp313-win_amd64", &["helper"], None);
    let index = index.wheel("helper", "1.0", &[]);
    let resolution = resolve_on(&index, linux("3.11"), &["native"]);
    assert_eq!(pins(&resolution), ["helper==1.0", "native==1.0"]);
    assert!(resolution.not_resolved.is_empty());
}

#[test]
fn files_uploaded_after_the_as_of_day_are_left_out() {
    let mut index = MadeUpIndex::default().wheel("lib", "1.0", &[]).wheel("lib", "1.1", &[]);
    index.last("lib", "1.1").uploaded = Some(UPLOADED + 86_400);
    let mut request = Request::new(vec![requirement("lib")], linux("3.12"));
    request.as_of = Some("2024-01-01".parse().unwrap());
    assert_eq!(pins(&block_on(resolve(&index, &request))), ["lib==1.0"]);
    request.as_of = Some("2024-01-02".parse().unwrap());
    assert_eq!(pins(&block_on(resolve(&index, &request))), ["lib==1.1"]);
}

#[test]
fn constraints_narrow_what_is_required_and_install_nothing() {
    let index = MadeUpIndex::default()
        .wheel("celery", "5.4.0", &["kombu>=5.3"])
        .wheel("kombu", "5.3.7", &[])
        .wheel("kombu", "5.4.0", &[])
        .wheel("unrelated", "1.0", &[]);
    let mut request = Request::new(vec![requirement("celery")], linux("3.10"));
    let constraint = |text: &str| InputRequirement { source: "-c constraints.txt".into(), ..requirement(text) };
    request.constraints = vec![constraint("kombu==5.3.7"), constraint("unrelated<2")];
    let resolution = block_on(resolve(&index, &request));
    assert_eq!(pins(&resolution), ["celery==5.4.0", "kombu==5.3.7"]);
    let text = resolution.requirements_txt();
    let body: Vec<&str> = text.lines().filter(|line| !line.starts_with('#')).collect();
    assert_eq!(
        body,
        [
            "celery==5.4.0",
            "    # via -r requirements.in",
            "kombu==5.3.7",
            "    # via",
            "    #   -c constraints.txt",
            "    #   celery"
        ]
    );
}

#[test]
fn a_project_the_index_does_not_have_is_reported_and_the_rest_resolves() {
    let index = MadeUpIndex::default().wheel("app", "1.0", &["missing-dep", "lib"]).wheel("lib", "1.0", &[]);
    let resolution = resolve_on(&index, linux("3.12"), &["app"]);
    assert_eq!(pins(&resolution), ["app==1.0", "lib==1.0"]);
    assert_eq!(resolution.not_resolved.len(), 1);
    let gap = &resolution.not_resolved[0];
    assert_eq!((gap.name.as_ref(), &gap.reason), ("missing-dep", &NotResolved::NoProject(IndexError::NotFound)));
    assert_eq!(gap.required_by, ["app"]);
    assert!(resolution.requirements_txt().contains("# Not resolved: missing-dep: not found on the index\n"));
}

#[test]
fn metadata_that_cannot_be_read_leaves_the_subtree_unresolved() {
    let mut index = MadeUpIndex::default().wheel("app", "1.0", &["lib"]).wheel("lib", "1.0", &[]);
    index.metadata.clear();
    let resolution = resolve_on(&index, linux("3.12"), &["app"]);
    assert_eq!(pins(&resolution), ["app==1.0"]);
    assert!(matches!(resolution.not_resolved[0].reason, NotResolved::NoMetadata(_)));
}

#[test]
fn a_deep_chain_needs_one_answer_per_package_and_few_runs() {
    let mut index = MadeUpIndex::default();
    for level in 0..30 {
        let next = format!("level{}>=1", level + 1);
        let requires: Vec<&str> = if level < 29 { vec![next.as_str()] } else { Vec::new() };
        index = index.wheel(&format!("level{level}"), "1.0", &requires).wheel(&format!("level{level}"), "0.9", &[]);
    }
    let resolution = resolve_on(&index, linux("3.12"), &["level0"]);
    assert_eq!(resolution.packages.len(), 30);
    assert_eq!((resolution.stats.project_requests, resolution.stats.metadata_requests), (30, 30));
    // Every answer here arrives at once, so the first run finds everything fetched ahead.
    assert!(resolution.stats.runs <= 3, "{:?}", resolution.stats);
}

#[test]
fn an_extra_that_requires_itself_and_its_project_resolves() {
    let index = MadeUpIndex::default()
        .wheel("tool", "1.0", &["tool[all] ; extra == 'all'", "tool[cli] ; extra == 'all'", "click ; extra == 'cli'"])
        .wheel("click", "8.1.8", &[]);
    let resolution = resolve_on(&index, linux("3.12"), &["tool[all]"]);
    assert_eq!(pins(&resolution), ["click==8.1.8", "tool==1.0"]);
    let extras: Vec<String> = resolution.packages[1].extras.iter().map(ToString::to_string).collect();
    assert_eq!(extras, ["all", "cli"]);
    assert!(resolution.is_complete());
}
