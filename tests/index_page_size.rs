//! What reading a multi-megabyte simple-API page costs: time, and memory counted by this binary's own allocator.
//! The page is made here in the shape of PyPI's (every field PyPI sends, hashes and metadata hashes included);
//! `cargo test --release --test index_page_size -- --nocapture` prints the numbers. The assertion bounds memory,
//! which the allocator counts exactly: reading must not hold a tree of the document beside the body.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use osv_lens::index::simple::read_project;
use osv_lens::index::PackageName;

/// Counts the bytes held, and the most held since the last reset.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(held, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(pointer, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement at a time: the counters are global.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Time, peak memory above what was held before, and memory still held by the result.
struct Cost {
    millis: f64,
    peak: usize,
    kept: usize,
}

fn measure(name: &str, page_url: &str, body: &[u8]) -> (Cost, usize) {
    let name: PackageName = name.parse().expect("a project name");
    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let started = Instant::now();
    let project = read_project(&name, page_url, body).expect("the page reads");
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let cost =
        Cost { millis, peak: PEAK.load(Ordering::Relaxed) - before, kept: HELD.load(Ordering::Relaxed) - before };
    let files = project.releases.iter().map(|release| release.files.len()).sum();
    (cost, files)
}

/// A page of `releases` releases of `files_per_release` wheels and an sdist each, as PyPI writes them.
fn synthetic_page(releases: usize, files_per_release: usize) -> String {
    let mut files = Vec::new();
    let mut versions = Vec::new();
    for release in 0..releases {
        let version = format!("{}.{}.{}", release / 100, release / 10 % 10, release % 10);
        versions.push(format!("\"{version}\""));
        for file in 0..=files_per_release {
            let filename = if file == files_per_release {
                format!("bigpkg-{version}.tar.gz")
            } else {
                format!(
                    "bigpkg-{version}-cp3{}-cp3{}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                    8 + file % 6,
                    8 + file % 6
                )
            };
            let hash = format!("{:064x}", (release * 31 + file) as u128 * 0x9e37_79b9_7f4a_7c15);
            files.push(format!(
                r#"{{"core-metadata":{{"sha256":"{hash}"}},"data-dist-info-metadata":{{"sha256":"{hash}"}},"filename":"{filename}","hashes":{{"sha256":"{hash}"}},"provenance":null,"requires-python":">=3.8","size":{},"upload-time":"2024-0{}-1{}T12:34:56.789012Z","url":"https://files.pythonhosted.org/packages/{}/{}/{hash}/{filename}","yanked":{}}}"#,
                1_000_000 + release * 7 + file,
                1 + release % 9,
                file % 10,
                &hash[..2],
                &hash[2..4],
                if release % 50 == 0 { "\"made-up: broken\"" } else { "false" }
            ));
        }
    }
    format!(
        r#"{{"alternate-locations":[],"files":[{}],"meta":{{"_last-serial":123,"api-version":"1.4"}},"name":"bigpkg","project-status":{{"status":"active"}},"versions":[{}]}}"#,
        files.join(","),
        versions.join(",")
    )
}

#[test]
fn a_multi_megabyte_page_is_read_without_a_tree_of_the_document() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let page = synthetic_page(600, 14);
    assert!(page.len() > 5_000_000, "{} bytes", page.len());
    let (cost, files) = measure("bigpkg", "https://pypi.org/simple/bigpkg/", page.as_bytes());
    assert_eq!(files, 600 * 15);
    println!(
        "synthetic page: {:.1} MB, {files} files: {:.1} ms, peak {:.1} MB above the body, {:.1} MB kept",
        page.len() as f64 / 1e6,
        cost.millis,
        cost.peak as f64 / 1e6,
        cost.kept as f64 / 1e6
    );
    // About what the result keeps (each file's name, URL, tags, Requires-Python, 240 bytes of fields): nothing of
    // the document is built beside it. A `serde_json::Value` of the page alone would take several times the body.
    assert!(cost.peak < page.len() * 5 / 4, "peak {} for a body of {}", cost.peak, page.len());
    assert!(cost.kept <= cost.peak);
}

/// The recorded real pages of the bench's packages (`tests/fixtures/bench/index`, gzip'd bundles whose `page` is
/// the registry's answer without file URLs): run with `--ignored` once they are in the tree; without them it
/// fails.
#[test]
#[ignore = "a measurement; needs tests/fixtures/bench/index"]
fn recorded_pages_cost() {
    use std::io::Read;
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bench/index");
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(folder).expect("the recorded pages are in the tree") {
        let path = entry.expect("an entry").path();
        if !path.to_string_lossy().ends_with(".json.gz") {
            continue;
        }
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("opens"))
            .read_to_string(&mut text)
            .expect("gzip'd text");
        let mut bundle: serde_json::Value = serde_json::from_str(&text).expect("a bundle");
        // The recordings leave out each file's URL; it is put back in the registry's form (a 64-digit path, then
        // the file name), so that the page is as long as the registry sends it.
        for file in bundle["page"]["files"].as_array_mut().expect("files") {
            let filename = file["filename"].as_str().expect("a name").to_string();
            let digits = format!("{:064x}", filename.len() as u128 * 0x9e37_79b9_7f4a_7c15);
            let url = format!(
                "https://files.pythonhosted.org/packages/{}/{}/{}/{filename}",
                &digits[..2],
                &digits[2..4],
                &digits[4..]
            );
            file["url"] = serde_json::Value::String(url);
        }
        let page = serde_json::to_vec(&bundle["page"]).expect("serialises");
        let name = bundle["page"]["name"].as_str().expect("a name").to_string();
        drop((bundle, text));
        let (cost, files) = measure(&name, &format!("https://pypi.org/simple/{name}/"), &page);
        rows.push((page.len(), name, files, cost));
    }
    osv_lens::sorting::sort_by_key(&mut rows, |row| std::cmp::Reverse(row.0));
    for (bytes, name, files, cost) in rows.iter().take(8) {
        println!(
            "{name}: {:.2} MB, {files} files: {:.1} ms, peak {:.2} MB, kept {:.2} MB",
            *bytes as f64 / 1e6,
            cost.millis,
            cost.peak as f64 / 1e6,
            cost.kept as f64 / 1e6
        );
    }
    let total: usize = rows.iter().map(|row| row.0).sum();
    let millis: f64 = rows.iter().map(|row| row.3.millis).sum();
    println!("{} pages, {:.1} MB: {millis:.1} ms in all", rows.len(), total as f64 / 1e6);
}
