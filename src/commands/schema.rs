//! `placesim schema`: the JSON Schema of scenario or sweep files.

use clap::ValueEnum;

#[derive(clap::Args)]
pub struct Args {
    /// Which format.
    #[arg(value_enum, default_value = "scenario")]
    pub format: SchemaFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SchemaFormat {
    Scenario,
    Sweep,
}

pub fn schema(format: SchemaFormat) {
    let value = match format {
        SchemaFormat::Scenario => placesim_scenario::scenario_schema(),
        SchemaFormat::Sweep => placesim_scenario::sweep_schema(),
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
}
