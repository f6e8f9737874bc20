//! A project's page in the JSON simple API (PEP 691, `application/vnd.pypi.simple.v1+json`), read into a
//! [`Project`], and the trimmed copy of it that the caches keep.
//!
//! Pages are large (aiohttp's is 4.8 MB, numpy's 1.9 MB) and hold much that is never used (hashes, the metadata
//! files' hashes, other files' fields), so the document is read in one pass by serde visitors: strings are borrowed
//! from the body where they hold no escapes, unknown fields are skipped with `IgnoredAny` without building values,
//! and each file becomes a [`DistFile`] as soon as its object ends. Only JSON syntax and the page's own shape
//! (`files` a list of objects, `meta` an object) can fail the page; a file whose fields are missing, of the wrong
//! type or unreadable (its name, its URL) is skipped, as installers skip it. A `requires-python` that PEP 440 cannot
//! read is left out (pip ignores such a constraint too).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::filename::parse_filename;
use super::time::{format_rfc3339, parse_rfc3339};
use super::url::resolve_url;
use super::{DistFile, IndexError, Project, ProjectStatus, Release, StatusKind};

/// The media type of the JSON simple API, sent in `Accept`.
pub const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

/// The largest page read: a few times the largest real pages (tens of MB for projects with nightly builds).
pub const MAX_PAGE_BYTES: usize = 64 << 20;

/// Reads the page of project `name`, fetched from `page_url` (relative file URLs are resolved against it).
pub fn read_project(name: &PackageName, page_url: &str, body: &[u8]) -> Result<Project, IndexError> {
    if body.len() > MAX_PAGE_BYTES {
        return Err(IndexError::Malformed(format!(
            "the page of `{name}` is {} MB, over the {} MB read",
            body.len() >> 20,
            MAX_PAGE_BYTES >> 20
        )));
    }
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let page = PageSeed { name, page_url }
        .deserialize(&mut deserializer)
        .and_then(|page| deserializer.end().map(|()| page))
        .map_err(|error| IndexError::Malformed(format!("the page of `{name}`: {error}")))?;
    page.into_project(name)
}

/// A JSON value read only as far as the page's fields need: strings (borrowed when they can be), booleans and
/// whole numbers; objects and lists are skipped and only their kind is kept.
enum Loose<'de> {
    Str(Cow<'de, str>),
    Bool(bool),
    Int(u64),
    Object,
    Other,
}

impl<'de> Loose<'de> {
    fn into_str(self) -> Option<Cow<'de, str>> {
        match self {
            Self::Str(text) => Some(text),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Loose<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Borrowed(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(value.to_string())))
    }

    fn visit_string<E>(self, value: String) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(value)))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Loose::Bool(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Loose::Int(value))
    }

    fn visit_i64<E>(self, _value: i64) -> Result<Self::Value, E> {
        Ok(Loose::Other)
    }

    fn visit_f64<E>(self, _value: f64) -> Result<Self::Value, E> {
        Ok(Loose::Other)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Other)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Object)
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "kebab-case")]
enum PageKey {
    Meta,
    Name,
    Files,
    Versions,
    ProjectStatus,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "kebab-case")]
enum FileKey {
    Filename,
    Url,
    RequiresPython,
    Yanked,
    UploadTime,
    Size,
    CoreMetadata,
    DistInfoMetadata,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "kebab-case")]
enum MetaKey {
    ApiVersion,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "kebab-case")]
enum StatusKey {
    Status,
    Reason,
    #[serde(other)]
    Other,
}

/// What the page said: its files already grouped into releases, in the order met.
#[derive(Default)]
struct RawPage {
    api_version: Option<String>,
    name: Option<String>,
    files: Files,
    versions: Vec<Version>,
    unreadable_versions: Vec<String>,
    status: Option<ProjectStatus>,
}

impl RawPage {
    fn into_project(self, name: &PackageName) -> Result<Project, IndexError> {
        if let Some(api_version) = &self.api_version {
            if api_version.split('.').next() != Some("1") {
                return Err(IndexError::Malformed(format!(
                    "the page of `{name}` is in version `{api_version}` of the simple API; only 1.x is read"
                )));
            }
        }
        if let Some(said) = &self.name {
            if PackageName::new(said.clone()).ok().as_ref() != Some(name) {
                return Err(IndexError::Malformed(format!("the page asked for `{name}` is the page of `{said}`")));
            }
        }
        let Files { mut releases, mut by_version, .. } = self.files;
        for version in self.versions {
            if !by_version.contains_key(&version) {
                by_version.insert(version.clone(), releases.len());
                releases.push(Release { version, files: Vec::new() });
            }
        }
        drop(by_version);
        crate::sorting::sort_by(&mut releases, |a, b| a.version.cmp(&b.version));
        Ok(Project { name: name.clone(), releases, unreadable_versions: self.unreadable_versions, status: self.status })
    }
}

struct PageSeed<'a> {
    name: &'a PackageName,
    page_url: &'a str,
}

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = RawPage;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = RawPage;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a project page of the JSON simple API (an object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut page = RawPage::default();
        while let Some(key) = map.next_key::<PageKey>()? {
            match key {
                PageKey::Meta => page.api_version = map.next_value_seed(MetaSeed)?,
                PageKey::Name => page.name = map.next_value::<Loose<'de>>()?.into_str().map(Cow::into_owned),
                PageKey::Files => {
                    map.next_value_seed(FilesSeed { name: self.name, page_url: self.page_url, files: &mut page.files })?
                }
                PageKey::Versions => {
                    let (versions, unreadable) = map.next_value_seed(VersionsSeed)?;
                    page.versions = versions;
                    page.unreadable_versions = unreadable;
                }
                PageKey::ProjectStatus => page.status = map.next_value_seed(StatusSeed)?,
                PageKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(page)
    }
}

/// `meta`: its `api-version`.
struct MetaSeed;

impl<'de> DeserializeSeed<'de> for MetaSeed {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MetaSeed {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the page's `meta` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut api_version = None;
        while let Some(key) = map.next_key::<MetaKey>()? {
            match key {
                MetaKey::ApiVersion => api_version = map.next_value::<Loose<'de>>()?.into_str().map(Cow::into_owned),
                MetaKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(api_version)
    }
}

/// `versions` (PEP 700): the readable ones, and the others as written.
struct VersionsSeed;

impl<'de> DeserializeSeed<'de> for VersionsSeed {
    type Value = (Vec<Version>, Vec<String>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for VersionsSeed {
    type Value = (Vec<Version>, Vec<String>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the page's `versions` list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let (mut versions, mut unreadable) = (Vec::new(), Vec::new());
        while let Some(value) = seq.next_element::<Loose<'de>>()? {
            if let Some(text) = value.into_str() {
                match Version::from_str(&text) {
                    Ok(version) => versions.push(version),
                    Err(_) => unreadable.push(text.into_owned()),
                }
            }
        }
        Ok((versions, unreadable))
    }
}

/// `project-status` (PEP 792): `archived`, `quarantined` or `deprecated` with its reason; `active` and statuses
/// this reader does not know are no status (PEP 792 asks clients to treat an unknown status as `active`).
struct StatusSeed;

impl<'de> DeserializeSeed<'de> for StatusSeed {
    type Value = Option<ProjectStatus>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StatusSeed {
    type Value = Option<ProjectStatus>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the page's `project-status` object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut status, mut reason) = (None, None);
        while let Some(key) = map.next_key::<StatusKey>()? {
            match key {
                StatusKey::Status => status = map.next_value::<Loose<'de>>()?.into_str(),
                StatusKey::Reason => reason = map.next_value::<Loose<'de>>()?.into_str(),
                StatusKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let kind = match status.as_deref() {
            Some("archived") => StatusKind::Archived,
            Some("quarantined") => StatusKind::Quarantined,
            Some("deprecated") => StatusKind::Deprecated,
            _ => return Ok(None),
        };
        let reason = reason.filter(|reason| !reason.trim().is_empty()).map(Cow::into_owned);
        Ok(Some(ProjectStatus { kind, reason }))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// The files read so far, grouped by version as they come (PyPI lists them by file name, so a version's files are
/// usually together), and the `requires-python` texts already read: most files of a project share a few.
#[derive(Default)]
struct Files {
    releases: Vec<Release>,
    by_version: HashMap<Version, usize>,
    requires_python: HashMap<String, Option<VersionSpecifiers>>,
}

impl Files {
    fn add(&mut self, version: Version, file: DistFile) {
        if let Some(release) = self.releases.last_mut().filter(|release| release.version == version) {
            release.files.push(file);
            return;
        }
        match self.by_version.get(&version) {
            Some(&index) => self.releases[index].files.push(file),
            None => {
                self.by_version.insert(version.clone(), self.releases.len());
                self.releases.push(Release { version, files: vec![file] });
            }
        }
    }

    /// A file's `requires-python`, read once per distinct text; an unreadable one is left out.
    fn requires_python(&mut self, text: &str) -> Option<VersionSpecifiers> {
        if text.trim().is_empty() {
            return None;
        }
        if let Some(read) = self.requires_python.get(text) {
            return read.clone();
        }
        let read = VersionSpecifiers::from_str(text).ok();
        self.requires_python.insert(text.to_string(), read.clone());
        read
    }
}

/// `files`: each file read as it ends; unreadable ones skipped.
struct FilesSeed<'a> {
    name: &'a PackageName,
    page_url: &'a str,
    files: &'a mut Files,
}

impl<'de> DeserializeSeed<'de> for FilesSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FilesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the page's `files` list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        loop {
            let seed = FileSeed { name: self.name, page_url: self.page_url, files: &mut *self.files };
            match seq.next_element_seed(seed)? {
                Some(Some((version, file))) => self.files.add(version, file),
                Some(None) => {}
                None => return Ok(()),
            }
        }
    }
}

struct FileSeed<'a> {
    name: &'a PackageName,
    page_url: &'a str,
    files: &'a mut Files,
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = Option<(Version, DistFile)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = Option<(Version, DistFile)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a file of the page (an object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut filename, mut url, mut requires_python, mut upload_time) = (None, None, None, None);
        let (mut yanked, mut size, mut core_metadata, mut dist_info_metadata) = (None, None, None, None);
        while let Some(key) = map.next_key::<FileKey>()? {
            match key {
                FileKey::Filename => filename = map.next_value::<Loose<'de>>()?.into_str(),
                FileKey::Url => url = map.next_value::<Loose<'de>>()?.into_str(),
                FileKey::RequiresPython => requires_python = map.next_value::<Loose<'de>>()?.into_str(),
                FileKey::UploadTime => upload_time = map.next_value::<Loose<'de>>()?.into_str(),
                FileKey::Yanked => {
                    // A reason, or `true`; an empty reason is not a yank (pip reads it so).
                    yanked = match map.next_value::<Loose<'de>>()? {
                        Loose::Str(reason) if !reason.is_empty() => Some(reason.into_owned()),
                        Loose::Bool(true) => Some(String::new()),
                        _ => None,
                    }
                }
                FileKey::Size => {
                    size = match map.next_value::<Loose<'de>>()? {
                        Loose::Int(size) => Some(size),
                        _ => None,
                    }
                }
                FileKey::CoreMetadata => core_metadata = Some(served(map.next_value::<Loose<'de>>()?)),
                FileKey::DistInfoMetadata => dist_info_metadata = Some(served(map.next_value::<Loose<'de>>()?)),
                FileKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let (Some(filename), Some(url)) = (filename, url) else { return Ok(None) };
        let Some((version, kind)) = parse_filename(self.name, &filename) else { return Ok(None) };
        let Some(url) = resolve_url(self.page_url, &url) else { return Ok(None) };
        let requires_python = requires_python.and_then(|text| self.files.requires_python(&text));
        let file = DistFile {
            filename: filename.into_owned(),
            url,
            kind,
            requires_python,
            yanked,
            uploaded: upload_time.and_then(|text| parse_rfc3339(&text)),
            // PEP 714: `core-metadata` is the name; the older `dist-info-metadata` counts only without it.
            core_metadata: core_metadata.or(dist_info_metadata).unwrap_or(false),
            size,
        };
        Ok(Some((version, file)))
    }
}

/// `core-metadata`: `true` or a table of hashes means the file is served.
fn served(value: Loose<'_>) -> bool {
    matches!(value, Loose::Bool(true) | Loose::Object)
}

/// The trimmed page the caches keep: a PEP 691 document with only the fields [`read_project`] reads, file URLs
/// absolute. Reading it back gives the same [`Project`].
pub fn write_project(project: &Project) -> String {
    #[derive(Serialize)]
    struct Page<'a> {
        meta: Meta,
        name: &'a str,
        versions: Vec<String>,
        files: Vec<File<'a>>,
        #[serde(rename = "project-status", skip_serializing_if = "Option::is_none")]
        project_status: Option<Status<'a>>,
    }
    #[derive(Serialize)]
    struct Meta {
        #[serde(rename = "api-version")]
        api_version: &'static str,
    }
    #[derive(Serialize)]
    struct Status<'a> {
        status: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'a str>,
    }
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Yanked<'a> {
        Flag(bool),
        Reason(&'a str),
    }
    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    struct File<'a> {
        filename: &'a str,
        url: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        requires_python: Option<String>,
        yanked: Yanked<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        upload_time: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<u64>,
        core_metadata: bool,
    }
    let mut versions: Vec<String> = project.releases.iter().map(|release| release.version.to_string()).collect();
    versions.extend(project.unreadable_versions.iter().cloned());
    let files = project
        .releases
        .iter()
        .flat_map(|release| &release.files)
        .map(|file| File {
            filename: &file.filename,
            url: &file.url,
            requires_python: file.requires_python.as_ref().map(ToString::to_string),
            yanked: match file.yanked.as_deref() {
                None => Yanked::Flag(false),
                Some("") => Yanked::Flag(true),
                Some(reason) => Yanked::Reason(reason),
            },
            upload_time: file.uploaded.map(format_rfc3339),
            size: file.size,
            core_metadata: file.core_metadata,
        })
        .collect();
    let page = Page {
        meta: Meta { api_version: "1.4" },
        name: project.name.as_ref(),
        versions,
        files,
        project_status: project
            .status
            .as_ref()
            .map(|status| Status { status: status.kind.as_str(), reason: status.reason.as_deref() }),
    };
    serde_json::to_string(&page).expect("a page of strings, numbers and booleans always serialises")
}

/// A page of project `name` read through [`read_project`], for the tests of the parts that use release lists: each
/// entry is a version with a wheel and an sdist; `1.1!yanked` has one yanked wheel, `1.2!nofiles` is listed in
/// `versions` without a file.
#[cfg(test)]
pub(crate) fn test_page(name: &str, entries: &[&str]) -> super::ProjectLookup {
    let (mut versions, mut files) = (Vec::new(), Vec::new());
    for entry in entries {
        let (version, flag) = entry.split_once('!').unwrap_or((entry, ""));
        versions.push(format!("\"{version}\""));
        let file = |filename: String, yanked: bool| {
            format!(r#"{{"filename":"{filename}","url":"/files/{filename}","hashes":{{}},"yanked":{yanked}}}"#)
        };
        match flag {
            "yanked" => files.push(file(format!("{name}-{version}-py3-none-any.whl"), true)),
            "nofiles" => {}
            _ => {
                files.push(file(format!("{name}-{version}-py3-none-any.whl"), false));
                files.push(file(format!("{name}-{version}.tar.gz"), false));
            }
        }
    }
    let page = format!(r#"{{"name":"{name}","versions":[{}],"files":[{}]}}"#, versions.join(","), files.join(","));
    let name = PackageName::new(name.to_string()).expect("test names are valid");
    read_project(&name, "https://index.example/simple/x/", page.as_bytes()).map(std::rc::Rc::new)
}

#[cfg(test)]
mod tests;
