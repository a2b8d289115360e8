//! Drawing the cases: each case of a domain from its own seeded stream, the strategy of its
//! class, the request it becomes and what is known about it before it is sent.

use std::collections::HashMap;

use proptest::strategy::{BoxedStrategy, Just, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::http::client::RequestSpec;

use super::allowances::{self, Leniency};
use super::fuzzer::{Fuzzer, STAND_IN_KEY};
use super::input::{Domain, Input};
use super::properties::Facts;
use super::{credentials, ids};

/// A 32-byte ChaCha seed for case `index` of `domain`, from the run's seed (splitmix64):
/// each case has its own stream, so case 7 is the same whether or not case 6 was drawn,
/// and shrinking can regenerate a case alone.
pub(super) fn case_rng(seed: u64, domain: Domain, index: usize) -> TestRng {
    let mut state = seed
        ^ (domain.index() as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// The strategies a sender has built, by domain and class: a strategy depends only on its
/// class and the run (its ids, key and placement), and building one per case (proptest
/// compiles a regex strategy's pattern each time) cost more than drawing from it.
#[derive(Default)]
pub(super) struct Strategies(HashMap<(usize, &'static str), BoxedStrategy<Input>>);

impl Fuzzer {
    pub(super) fn strategy(
        &self,
        domain: Domain,
        index: usize,
        built: &mut Strategies,
    ) -> (&'static str, BoxedStrategy<Input>) {
        // The fixed edits come first, so a run of any seed tries them all (within
        // `--fuzz-cases`); the random cases follow, their schedule starting where it
        // always did.
        let fixed = self.fixed_edits(domain);
        if let Some((name, input)) = fixed.get(index) {
            return (name, Just(input.clone()).boxed());
        }
        let index = index - fixed.len();
        let class = match domain {
            Domain::Ids => ids::class_for(index, !self.context.task_ids.is_empty()).name(),
            Domain::Credentials => credentials::class_for(index, &self.context.placement).name(),
        };
        let strategy = built
            .0
            .entry((domain.index(), class))
            .or_insert_with(|| self.build_strategy(domain, index).1);
        (class, strategy.clone())
    }

    fn build_strategy(&self, domain: Domain, index: usize) -> (&'static str, BoxedStrategy<Input>) {
        match domain {
            Domain::Ids => {
                let class = ids::class_for(index, !self.context.task_ids.is_empty());
                let strategy = ids::strategy(class, &self.context.task_ids);
                (class.name(), strategy.prop_map(Input::Id).boxed())
            }
            Domain::Credentials => {
                let placement = &self.context.placement;
                let class = credentials::class_for(index, placement);
                let key_len = self.key().unwrap_or(STAND_IN_KEY).chars().count();
                let strategy = credentials::strategy(class, placement, key_len);
                (class.name(), strategy.prop_map(Input::Credential).boxed())
            }
        }
    }

    /// The fixed adversarial edits of `domain` (see `docs/fuzzing.md`), tried before the
    /// random cases; worked out once per run (every case asks).
    pub(super) fn fixed_edits(&self, domain: Domain) -> &[(&'static str, Input)] {
        self.fixed[domain.index()].get_or_init(|| self.work_out_fixed_edits(domain))
    }

    fn work_out_fixed_edits(&self, domain: Domain) -> Vec<(&'static str, Input)> {
        match domain {
            Domain::Ids => ids::fixed_edits(&self.context.task_ids)
                .into_iter()
                .map(|(name, id)| (name, Input::Id(id)))
                .collect(),
            Domain::Credentials => {
                let key_len = self.key().unwrap_or(STAND_IN_KEY).chars().count();
                credentials::fixed_edits(key_len)
                    .into_iter()
                    .map(|(name, credential)| (name, Input::Credential(credential)))
                    .collect()
            }
        }
    }

    /// The value tree of case `index`, the same every time for the same seed. The
    /// strategies have no filters, so generating cannot be rejected; an error here would
    /// be a bug in a strategy, and the case is then left out.
    pub(super) fn tree(
        &self,
        domain: Domain,
        index: usize,
    ) -> Option<(&'static str, Box<dyn ValueTree<Value = Input>>)> {
        self.tree_with(domain, index, &mut Strategies::default())
    }

    /// [`Fuzzer::tree`], reusing the strategies a sender has built already.
    pub(super) fn tree_with(
        &self,
        domain: Domain,
        index: usize,
        built: &mut Strategies,
    ) -> Option<(&'static str, Box<dyn ValueTree<Value = Input>>)> {
        let (class, strategy) = self.strategy(domain, index, built);
        let rng = case_rng(self.seed, domain, index);
        let mut runner = TestRunner::new_with_rng(Config::default(), rng);
        let tree = strategy.new_tree(&mut runner).ok()?;
        Some((class, tree))
    }

    /// The request for an input.
    pub fn request_for(&self, input: &Input) -> RequestSpec {
        match input {
            Input::Id(id) => {
                RequestSpec::get(self.context.path_for(&id.id()), self.context.credential())
            }
            Input::Credential(credential) => RequestSpec::get(
                self.context.path_for(&self.probe_id),
                credential.headers(&self.context.placement, self.key().unwrap_or(STAND_IN_KEY)),
            ),
        }
    }

    pub(super) fn facts(&self, input: &Input, request: &RequestSpec) -> Facts {
        let validity = match input {
            Input::Credential(credential) => {
                Some(credential.validity(&self.context.placement, self.key()))
            }
            Input::Id(_) => None,
        };
        let traits = allowances::traits(input, request, validity);
        let credential = match input {
            Input::Credential(credential) => Some(credential),
            Input::Id(_) => None,
        };
        Facts {
            domain: input.domain(),
            validity,
            scheme_case_variant: credential.is_some_and(|c| c.is_scheme_case_variant()),
            credential_absent: credential.is_some_and(|c| c.is_absent()),
            leniency: Leniency::for_traits(&traits),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_case_has_its_own_stream() {
        use proptest::prelude::Rng;
        let mut a = case_rng(1, Domain::Ids, 0);
        let mut again = case_rng(1, Domain::Ids, 0);
        assert_eq!(a.next_u64(), again.next_u64());
        let mut b = case_rng(1, Domain::Ids, 1);
        let mut c = case_rng(1, Domain::Credentials, 0);
        let mut d = case_rng(2, Domain::Ids, 0);
        let first = case_rng(1, Domain::Ids, 0).next_u64();
        for other in [b.next_u64(), c.next_u64(), d.next_u64()] {
            assert_ne!(first, other);
        }
    }
}
