//! Typed, borrowed views of the Arrow columns the hub-stats schema uses, tolerant of the physical
//! variants different writers produce (`pyarrow`, `DuckDB`, `pandas`): 32/64-bit offsets, string views,
//! any integer width, any timestamp unit.
//!
//! Each view is built once per record batch (`new` returns `None` for a type we do not read, which
//! the schema check reports before any batch is decoded) and then read row by row.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, BooleanArray, GenericListArray, LargeStringArray, PrimitiveArray, StringArray,
    StringViewArray, StructArray,
};
use arrow_schema::{DataType, TimeUnit};
use hubcensus_model::Timestamp;

/// Whether a data type is one of the string encodings we read.
pub(crate) fn is_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

pub(crate) fn is_integer(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

pub(crate) fn is_timestamp(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Timestamp(_, _)) || is_string(data_type)
}

pub(crate) fn is_float(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Float32 | DataType::Float64) || is_integer(data_type)
}

/// A list of strings (`tags`).
pub(crate) fn is_string_list(data_type: &DataType) -> bool {
    match data_type {
        DataType::List(field) | DataType::LargeList(field) => is_string(field.data_type()),
        _ => false,
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    pub(crate) fn new(array: &'a dyn Array) -> Option<Self> {
        match array.data_type() {
            DataType::Utf8 => Some(Self::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Self::Large(array.as_string::<i64>())),
            DataType::Utf8View => Some(Self::View(array.as_string_view())),
            _ => None,
        }
    }

    pub(crate) fn get(self, row: usize) -> Option<&'a str> {
        match self {
            Self::Utf8(array) => array.is_valid(row).then(|| array.value(row)),
            Self::Large(array) => array.is_valid(row).then(|| array.value(row)),
            Self::View(array) => array.is_valid(row).then(|| array.value(row)),
        }
    }
}

fn primitive<T: arrow_array::ArrowPrimitiveType>(
    array: &PrimitiveArray<T>,
    row: usize,
) -> Option<T::Native> {
    array.is_valid(row).then(|| array.value(row))
}

/// Integers of any width, read as `i128` so that no value is silently wrapped.
#[derive(Clone, Copy)]
pub(crate) enum Integers<'a> {
    I8(&'a PrimitiveArray<Int8Type>),
    I16(&'a PrimitiveArray<Int16Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I64(&'a PrimitiveArray<Int64Type>),
    U8(&'a PrimitiveArray<UInt8Type>),
    U16(&'a PrimitiveArray<UInt16Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
}

impl<'a> Integers<'a> {
    pub(crate) fn new(array: &'a dyn Array) -> Option<Self> {
        Some(match array.data_type() {
            DataType::Int8 => Self::I8(array.as_primitive()),
            DataType::Int16 => Self::I16(array.as_primitive()),
            DataType::Int32 => Self::I32(array.as_primitive()),
            DataType::Int64 => Self::I64(array.as_primitive()),
            DataType::UInt8 => Self::U8(array.as_primitive()),
            DataType::UInt16 => Self::U16(array.as_primitive()),
            DataType::UInt32 => Self::U32(array.as_primitive()),
            DataType::UInt64 => Self::U64(array.as_primitive()),
            _ => return None,
        })
    }

    pub(crate) fn get(self, row: usize) -> Option<i128> {
        match self {
            Self::I8(array) => primitive(array, row).map(i128::from),
            Self::I16(array) => primitive(array, row).map(i128::from),
            Self::I32(array) => primitive(array, row).map(i128::from),
            Self::I64(array) => primitive(array, row).map(i128::from),
            Self::U8(array) => primitive(array, row).map(i128::from),
            Self::U16(array) => primitive(array, row).map(i128::from),
            Self::U32(array) => primitive(array, row).map(i128::from),
            Self::U64(array) => primitive(array, row).map(i128::from),
        }
    }

    /// A count: non-negative and within `u64`. `Err` carries the offending value.
    pub(crate) fn count(self, row: usize) -> Result<Option<u64>, i128> {
        match self.get(row) {
            None => Ok(None),
            Some(value) => u64::try_from(value).map(Some).map_err(|_| value),
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Floats<'a> {
    F32(&'a PrimitiveArray<Float32Type>),
    F64(&'a PrimitiveArray<Float64Type>),
    Int(Integers<'a>),
}

impl<'a> Floats<'a> {
    pub(crate) fn new(array: &'a dyn Array) -> Option<Self> {
        match array.data_type() {
            DataType::Float32 => Some(Self::F32(array.as_primitive())),
            DataType::Float64 => Some(Self::F64(array.as_primitive())),
            _ => Integers::new(array).map(Self::Int),
        }
    }

    pub(crate) fn get(self, row: usize) -> Option<f64> {
        match self {
            Self::F32(array) => primitive(array, row).map(f64::from),
            Self::F64(array) => primitive(array, row),
            Self::Int(integers) => integers.get(row).map(|value| value as f64),
        }
    }
}

/// Timestamps of any unit (a zone, if any, is honoured by Arrow: values are UTC instants), or
/// text in one of the forms [`Timestamp::parse`] reads.
#[derive(Clone, Copy)]
pub(crate) enum Timestamps<'a> {
    Seconds(&'a PrimitiveArray<TimestampSecondType>),
    Millis(&'a PrimitiveArray<TimestampMillisecondType>),
    Micros(&'a PrimitiveArray<TimestampMicrosecondType>),
    Nanos(&'a PrimitiveArray<TimestampNanosecondType>),
    Text(Strings<'a>),
}

impl<'a> Timestamps<'a> {
    pub(crate) fn new(array: &'a dyn Array) -> Option<Self> {
        match array.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => Some(Self::Seconds(array.as_primitive())),
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                Some(Self::Millis(array.as_primitive()))
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                Some(Self::Micros(array.as_primitive()))
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) => Some(Self::Nanos(array.as_primitive())),
            _ => Strings::new(array).map(Self::Text),
        }
    }

    /// `Err` carries the text that did not parse.
    pub(crate) fn get(self, row: usize) -> Result<Option<Timestamp>, String> {
        Ok(match self {
            Self::Seconds(array) => primitive(array, row).map(Timestamp::from_secs),
            Self::Millis(array) => primitive(array, row).map(Timestamp::from_millis),
            // Floor division: an instant before 1970 stays in the right millisecond.
            Self::Micros(array) => {
                primitive(array, row).map(|v| Timestamp::from_millis(v.div_euclid(1000)))
            }
            Self::Nanos(array) => {
                primitive(array, row).map(|v| Timestamp::from_millis(v.div_euclid(1_000_000)))
            }
            Self::Text(strings) => match strings.get(row) {
                None => None,
                Some(text) => Some(Timestamp::parse(text).map_err(|_| text.to_owned())?),
            },
        })
    }
}

/// A list of strings, with 32- or 64-bit offsets.
#[derive(Clone, Copy)]
pub(crate) enum StringLists<'a> {
    Small(&'a GenericListArray<i32>, Strings<'a>),
    Large(&'a GenericListArray<i64>, Strings<'a>),
}

impl<'a> StringLists<'a> {
    pub(crate) fn new(array: &'a dyn Array) -> Option<Self> {
        match array.data_type() {
            DataType::List(_) => {
                let list = array.as_list::<i32>();
                Some(Self::Small(list, Strings::new(list.values().as_ref())?))
            }
            DataType::LargeList(_) => {
                let list = array.as_list::<i64>();
                Some(Self::Large(list, Strings::new(list.values().as_ref())?))
            }
            _ => None,
        }
    }

    /// The value range of `row` in the child array, or `None` for a null list.
    fn range(self, row: usize) -> Option<(usize, usize, Strings<'a>)> {
        match self {
            Self::Small(list, values) => list.is_valid(row).then(|| {
                let offsets = list.value_offsets();
                (offsets[row] as usize, offsets[row + 1] as usize, values)
            }),
            Self::Large(list, values) => list.is_valid(row).then(|| {
                let offsets = list.value_offsets();
                (offsets[row] as usize, offsets[row + 1] as usize, values)
            }),
        }
    }

    /// The strings of `row` (null elements skipped), or `None` for a null list.
    pub(crate) fn get(self, row: usize) -> Option<impl Iterator<Item = &'a str>> {
        let (start, end, values) = self.range(row)?;
        Some((start..end).filter_map(move |index| values.get(index)))
    }
}

/// A boolean column, or text (`"false"`, `"auto"`, `"manual"`).
#[derive(Clone, Copy)]
pub(crate) enum Flags<'a> {
    Bool(&'a BooleanArray),
    Text(Strings<'a>),
}

impl<'a> Flags<'a> {
    pub(crate) fn new(array: &'a dyn Array) -> Option<Self> {
        match array.data_type() {
            DataType::Boolean => Some(Self::Bool(array.as_boolean())),
            _ => Strings::new(array).map(Self::Text),
        }
    }
}

/// A struct column's child by name.
pub(crate) fn child<'a>(array: &'a StructArray, name: &str) -> Option<&'a dyn Array> {
    array.column_by_name(name).map(AsRef::as_ref)
}

/// A struct child's data type by name (for the schema check).
pub(crate) fn struct_child<'a>(data_type: &'a DataType, name: &str) -> Option<&'a DataType> {
    match data_type {
        DataType::Struct(fields) => fields
            .iter()
            .find(|field| field.name() == name)
            .map(|field| field.data_type()),
        _ => None,
    }
}
