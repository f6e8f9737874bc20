//! Why no resolution exists, in words, from PubGrub's derivation tree: "Because flask==3.0.0 depends on
//! werkzeug>=3.0.0 and you require flask==3.0.0, we can conclude that you require werkzeug>=3.0.0.", as uv says it.

use std::collections::HashMap;

use pep508_rs::pep440_rs::Version;
use pep508_rs::PackageName;
use pubgrub::{DefaultStringReporter, DerivationTree, Derived, External, Map, Ranges, ReportFormatter, Reporter, Term};

use crate::resolve::node::{specifier_text, Node};
use crate::resolve::provider::Unusable;

/// The explanation of a failed resolution, one sentence a line; `written` gives the names as the input writes them.
pub(crate) fn explain(
    mut tree: DerivationTree<Node, Ranges<Version>, Unusable>,
    written: &HashMap<PackageName, String>,
) -> Vec<String> {
    tree.collapse_no_versions();
    let formatter = Formatter { written };
    let text = DefaultStringReporter::report_with_formatter(&tree, &formatter);
    text.lines().map(|line| line.trim_end().to_string()).filter(|line| !line.is_empty()).collect()
}

struct Formatter<'a> {
    written: &'a HashMap<PackageName, String>,
}

impl Formatter<'_> {
    /// A package and a version set: `flask==3.0.0`, `werkzeug<3`, `foo[bar]>=1`.
    fn package(&self, node: &Node, range: &Ranges<Version>) -> String {
        let name = match node {
            Node::Root => return "your requirements".into(),
            Node::Project(name) => self.name(name),
            Node::Extra(name, extra) => format!("{}[{extra}]", self.name(name)),
        };
        format!("{name}{}", specifier_text(range))
    }

    fn name(&self, name: &PackageName) -> String {
        self.written.get(name).cloned().unwrap_or_else(|| name.to_string())
    }

    fn external(&self, external: &External<Node, Ranges<Version>, Unusable>) -> String {
        match external {
            External::NotRoot(..) => "you ask to resolve your requirements".into(),
            External::NoVersions(node, range) => format!("there is no usable version of {}", self.package(node, range)),
            External::Custom(node, range, reason) => format!("{} {reason}", self.package(node, range)),
            External::FromDependencyOf(Node::Root, _, dependency, range) => {
                format!("you require {}", self.package(dependency, range))
            }
            External::FromDependencyOf(node, range, dependency, dependency_range) => {
                format!("{} depends on {}", self.package(node, range), self.package(dependency, dependency_range))
            }
        }
    }

    fn conclusion(&self, terms: &Map<Node, Term<Ranges<Version>>>) -> String {
        let terms: Vec<(&Node, &Term<Ranges<Version>>)> = terms.iter().collect();
        match terms.as_slice() {
            [] | [(Node::Root, Term::Positive(_))] => "your requirements are unsatisfiable".into(),
            [(node, Term::Positive(range))] => format!("{} cannot be used", self.package(node, range)),
            [(node, Term::Negative(range))] => format!("{} must be used", self.package(node, range)),
            [(Node::Root, Term::Positive(_)), (node, Term::Negative(range))]
            | [(node, Term::Negative(range)), (Node::Root, Term::Positive(_))] => {
                format!("you require {}", self.package(node, range))
            }
            [(node, Term::Positive(range)), (dependency, Term::Negative(dependency_range))]
            | [(dependency, Term::Negative(dependency_range)), (node, Term::Positive(range))] => {
                format!("{} depends on {}", self.package(node, range), self.package(dependency, dependency_range))
            }
            terms => {
                let listed: Vec<String> = terms
                    .iter()
                    .map(|(node, term)| match term {
                        Term::Positive(range) => self.package(node, range),
                        Term::Negative(range) => format!("not {}", self.package(node, range)),
                    })
                    .collect();
                format!("{} are incompatible", listed.join(", "))
            }
        }
    }
}

type External3 = External<Node, Ranges<Version>, Unusable>;
type Derived3 = Derived<Node, Ranges<Version>, Unusable>;
type Terms = Map<Node, Term<Ranges<Version>>>;

impl ReportFormatter<Node, Ranges<Version>, Unusable> for Formatter<'_> {
    type Output = String;

    fn format_external(&self, external: &External3) -> String {
        self.external(external)
    }

    fn format_terms(&self, terms: &Terms) -> String {
        self.conclusion(terms)
    }

    fn explain_both_external(&self, first: &External3, second: &External3, terms: &Terms) -> String {
        format!(
            "Because {} and {}, we can conclude that {}.",
            self.external(first),
            self.external(second),
            self.conclusion(terms)
        )
    }

    fn explain_both_ref(
        &self,
        first_id: usize,
        first: &Derived3,
        second_id: usize,
        second: &Derived3,
        terms: &Terms,
    ) -> String {
        format!(
            "Because {} ({first_id}) and {} ({second_id}), we can conclude that {}.",
            self.conclusion(&first.terms),
            self.conclusion(&second.terms),
            self.conclusion(terms)
        )
    }

    fn explain_ref_and_external(&self, id: usize, derived: &Derived3, external: &External3, terms: &Terms) -> String {
        format!(
            "Because {} ({id}) and {}, we can conclude that {}.",
            self.conclusion(&derived.terms),
            self.external(external),
            self.conclusion(terms)
        )
    }

    fn and_explain_external(&self, external: &External3, terms: &Terms) -> String {
        format!("And because {}, we can conclude that {}.", self.external(external), self.conclusion(terms))
    }

    fn and_explain_ref(&self, id: usize, derived: &Derived3, terms: &Terms) -> String {
        format!(
            "And because {} ({id}), we can conclude that {}.",
            self.conclusion(&derived.terms),
            self.conclusion(terms)
        )
    }

    fn and_explain_prior_and_external(&self, prior: &External3, external: &External3, terms: &Terms) -> String {
        format!(
            "And because {} and {}, we can conclude that {}.",
            self.external(prior),
            self.external(external),
            self.conclusion(terms)
        )
    }
}
