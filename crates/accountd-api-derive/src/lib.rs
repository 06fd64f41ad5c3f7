//! `#[derive(ArgNames)]` for the argument structs of accountd's method table: the fields of the struct, in
//! declaration order, are a method's positional arguments, and their names start the attribute of every
//! validation error about them (`user_update.username`). The derive makes those names constants, so no part of
//! the code spells them again.

use proc_macro::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, parse_macro_input};

/// Implements `accountd_api::ArgNames` with the struct's field names in declaration order (a unit struct has
/// none). Tuple structs and enums are refused at compile time.
#[proc_macro_derive(ArgNames)]
pub fn derive_arg_names(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let name = &input.ident;
    let names: Vec<String> = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => fields
                .named
                .iter()
                .filter_map(|f| f.ident.as_ref())
                .map(|i| i.to_string().trim_start_matches("r#").to_string())
                .collect(),
            Fields::Unit => Vec::new(),
            Fields::Unnamed(_) => {
                return syn::Error::new_spanned(name, "ArgNames needs named fields: they are the argument names")
                    .to_compile_error()
                    .into();
            }
        },
        _ => {
            return syn::Error::new_spanned(name, "ArgNames derives only for structs")
                .to_compile_error()
                .into();
        }
    };
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics ::accountd_api::ArgNames for #name #type_generics #where_clause {
            const ARG_NAMES: &'static [&'static str] = &[#(#names),*];
        }
    }
    .into()
}
